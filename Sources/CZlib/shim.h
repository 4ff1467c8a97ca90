// The system zlib (zlib1g-dev), used to inflate zlib-compressed vmcore pages.
#include <zlib.h>
