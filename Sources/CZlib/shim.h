// The system zlib (zlib1g-dev): the one codec linked at build time (Codecs/Zlib.swift).
#include <zlib.h>
