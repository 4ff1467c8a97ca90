// The nibble-table filter of Hyperscan's "Teddy" matcher (src/fdr/teddy.c), for
// four bytes and eight buckets: each byte of a window is split into nibbles, each
// nibble indexes a 16-entry table of bucket bits with one byte shuffle (vpshufb),
// and the eight results are ANDed.
#include "CMarkerScan.h"

#if defined(__x86_64__)
#include <immintrin.h>

int cmarkerscan_supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? 1 : 0;
}

__attribute__((target("avx2"))) static inline __m256i buckets(__m256i bytes, __m256i low, __m256i high) {
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  __m256i lo = _mm256_and_si256(bytes, nibble);
  __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble);
  return _mm256_and_si256(_mm256_shuffle_epi8(low, lo), _mm256_shuffle_epi8(high, hi));
}

__attribute__((target("avx2"))) size_t cmarkerscan_next(const uint8_t *base, size_t start, size_t limit,
                                                         size_t count, const uint8_t *masks,
                                                         const uint8_t *pairs, const uint8_t *second) {
  const __m256i low0 = _mm256_loadu_si256((const __m256i *)(masks + 0));
  const __m256i high0 = _mm256_loadu_si256((const __m256i *)(masks + 32));
  const __m256i low1 = _mm256_loadu_si256((const __m256i *)(masks + 64));
  const __m256i high1 = _mm256_loadu_si256((const __m256i *)(masks + 96));
  const __m256i low2 = _mm256_loadu_si256((const __m256i *)(masks + 128));
  const __m256i high2 = _mm256_loadu_si256((const __m256i *)(masks + 160));
  const __m256i low3 = _mm256_loadu_si256((const __m256i *)(masks + 192));
  const __m256i high3 = _mm256_loadu_si256((const __m256i *)(masks + 224));
  const __m256i zero = _mm256_setzero_si256();
  const __m256i control = _mm256_set1_epi8(0x1F);
  const __m256i tab = _mm256_set1_epi8(0x09);
  const __m256i newline = _mm256_set1_epi8(0x0A);
  const __m256i del = _mm256_set1_epi8(0x7F);
  size_t p = start;
  while (p < limit && limit - p >= 32 && p < count && count - p >= 35) {
    // The bytes at offsets 0 to 3 of the 32 positions.
    __m256i at0 = _mm256_loadu_si256((const __m256i *)(base + p));
    __m256i at1 = _mm256_loadu_si256((const __m256i *)(base + p + 1));
    __m256i at2 = _mm256_loadu_si256((const __m256i *)(base + p + 2));
    __m256i at3 = _mm256_loadu_si256((const __m256i *)(base + p + 3));
    __m256i hits = _mm256_and_si256(buckets(at0, low0, high0), buckets(at1, low1, high1));
    hits = _mm256_and_si256(hits, _mm256_and_si256(buckets(at2, low2, high2), buckets(at3, low3, high3)));
    // Bytes the line cleaner removes: below 0x20 but tab and newline, and DEL.
    __m256i below = _mm256_cmpeq_epi8(_mm256_min_epu8(at0, control), at0);
    __m256i kept = _mm256_or_si256(_mm256_cmpeq_epi8(at0, tab), _mm256_cmpeq_epi8(at0, newline));
    __m256i removed = _mm256_or_si256(_mm256_andnot_si256(kept, below), _mm256_cmpeq_epi8(at0, del));
    uint32_t none = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hits, zero));
    uint32_t mask = ~none | (uint32_t)_mm256_movemask_epi8(removed);
    // The positions kept go through the pair tables here, not one call each.
    while (mask != 0) {
      size_t q = p + (size_t)__builtin_ctz(mask);
      uint16_t head, tail;
      __builtin_memcpy(&head, base + q, 2);
      __builtin_memcpy(&tail, base + q + 2, 2);
      if ((pairs[head] & second[tail]) != 0) return q;
      mask &= mask - 1;
    }
    p += 32;
  }
  return p;
}

#else

int cmarkerscan_supported(void) { return 0; }

size_t cmarkerscan_next(const uint8_t *base, size_t start, size_t limit, size_t count, const uint8_t *masks,
                        const uint8_t *pairs, const uint8_t *second) {
  (void)base;
  (void)pairs;
  (void)second;
  (void)limit;
  (void)count;
  (void)masks;
  return start;
}

#endif
