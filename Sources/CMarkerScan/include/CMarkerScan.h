// The vector step of the crash-marker scan (KernelLog's MarkerScanner): Swift has
// no byte-shuffle operation, which the nibble-table filter needs.
#ifndef CORONER_CMARKERSCAN_H
#define CORONER_CMARKERSCAN_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU runs cmarkerscan_next (x86-64 with AVX2), else 0.
int cmarkerscan_supported(void);

/// The first position p in start..<limit that may start a marker, or the first
/// position where fewer than 32 positions are left before `limit` or fewer than
/// 35 bytes before `count` (the caller tests those one by one). 32 positions are
/// tested at a time by nibble tables; those kept, and those holding a byte below
/// 0x20 (but tab and newline) or DEL, then by the caller's pair tables: p is
/// returned when `pairs[b0 | b1 << 8] & second[b2 | b3 << 8]` is non-zero (the
/// little-endian 16-bit loads at p and p + 2).
///
/// `masks` holds 256 bytes: for the marker bytes at offsets 0 to 3, a table of
/// the low nibble and one of the high nibble (16 entries each, stored twice: one
/// copy per 128-bit lane); entry n holds the bucket bits of the markers whose byte
/// at that offset has that nibble. A position passes when a bucket bit survives
/// the AND of its eight entries. Every marker's start passes: the tables only
/// remove positions.
size_t cmarkerscan_next(const uint8_t *base, size_t start, size_t limit, size_t count, const uint8_t *masks,
                        const uint8_t *pairs, const uint8_t *second);

#endif
