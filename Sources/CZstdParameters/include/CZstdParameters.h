// Calls libzstd's ZSTD_compress_advanced(), loaded at run time, with parameters of
// Coroner's choosing: the function takes zstd.h's ZSTD_parameters by value, which Swift
// cannot pass through a C function pointer.
#ifndef CORONER_CZSTDPARAMETERS_H
#define CORONER_CZSTDPARAMETERS_H

#include <stddef.h>

/// One frame of `count` bytes at `source` into `destination`, written with zstd's fast
/// strategy and the given window, hash table and shortest match (zstd.h: windowLog,
/// hashLog, minMatch; chainLog follows the window, searchLog 1, targetLength 0), the
/// frame header holding the content size. `compress` is ZSTD_compress_advanced. Returns
/// what it returns: the frame's size or a libzstd error code.
size_t czstd_compress_fast(void *compress, void *context, void *destination, size_t capacity,
                           const void *source, size_t count, unsigned windowLog, unsigned hashLog,
                           unsigned minMatch);

#endif
