#include "CZstdParameters.h"

// zstd.h's ZSTD_compressionParameters, ZSTD_frameParameters and ZSTD_parameters (the
// "advanced" API, unchanged in layout since zstd 1.0), declared here so that the build
// needs no zstd headers: libzstd is loaded at run time, and may be absent.
struct czstd_compression_parameters {
    unsigned windowLog, chainLog, hashLog, searchLog, minMatch, targetLength;
    int strategy;
};
struct czstd_frame_parameters {
    int contentSizeFlag, checksumFlag, noDictIDFlag;
};
struct czstd_parameters {
    struct czstd_compression_parameters compression;
    struct czstd_frame_parameters frame;
};
typedef size_t (*czstd_compress_advanced)(void *, void *, size_t, const void *, size_t, const void *, size_t,
                                           struct czstd_parameters);

// zstd.h's ZSTD_fast.
enum { czstd_fast = 1 };

size_t czstd_compress_fast(void *compress, void *context, void *destination, size_t capacity,
                           const void *source, size_t count, unsigned windowLog, unsigned hashLog,
                           unsigned minMatch) {
    struct czstd_parameters parameters = {
        {windowLog, windowLog, hashLog, 1, minMatch, 0, czstd_fast},
        {1, 0, 0},
    };
    return ((czstd_compress_advanced)compress)(context, destination, capacity, source, count, NULL, 0,
                                               parameters);
}
