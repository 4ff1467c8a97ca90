#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A cheap guess that a page will not shrink, made before it is compressed: memory holds
/// much data that is already compressed or encrypted (page cache of images and archives,
/// key material, the entropy pool), and deflating a page of it costs as much as deflating
/// text, only to store it raw. btrfs makes the same guess before compressing an extent
/// from a sample of its bytes (fs/btrfs/compression.c, `btrfs_compress_heuristic`).
///
/// Two tests, the second only for pages the first flags:
/// - 128 bytes, one every 32: random bytes show about 100 distinct values among 128
///   (256 × (1 − (255/256)^128)), text, code and kernel structures far fewer; above 85
///   the page may be random. On the lab's dumps this flags every random page, and also
///   pages whose zlib streams would have saved 0.05% (6.1) to 0.25% (sid) of the dump.
/// - Those pages' bytes at every fourth offset (1,024 for a 4 KiB page) are counted, and
///   Pearson's chi-square of the counts against 256 equal ones decides: a page is random
///   only when its statistic is within five standard deviations of what uniform bytes give
///   (255 degrees of freedom: mean 255, deviation √510). Uniform bytes fail it about 4.5
///   times in a million, and are then deflated in vain (`chiSquareLimit`).
enum IncompressiblePage {
  static let stride = 32
  static let threshold = 85
  /// Pearson's chi-square above which the second test calls a page's bytes uneven, so
  /// worth compressing: 255 + 5 × √510. Chosen on the 6.1 and 6.12 panic dumps' pages:
  /// among the 19,358 the first test flags, the bytes lost to pages stored raw that zlib
  /// level 1 would shrink fell from 215,740 to 25,653, and 170 pages that do not shrink
  /// went to the codec in vain. Checked on 5.10's and sid's, not looked at when choosing:
  /// 19,335 flagged, the bytes lost from 271,186 to 21,493, 124 pages in vain.
  static let chiSquareLimit = 368

  /// False when CORONER_CAPTURE_EVERY_PAGE is set: every page goes to the codec, so that
  /// scripts/bench-capture can measure what the guess costs and saves.
  static let guesses = getenv("CORONER_CAPTURE_EVERY_PAGE") == nil

  /// True when the page at `page` (`size` bytes, a multiple of `stride`) looks random.
  static func looksRandom(_ page: UnsafeRawPointer, size: Int) -> Bool {
    looksRandom(page, size: size, sampled: samples(page, size: size))
  }

  /// The same test given the first test's samples (`samples`).
  static func looksRandom(_ page: UnsafeRawPointer, size: Int, sampled: (distinct: Int, zeros: Int)) -> Bool {
    sampled.distinct > threshold && !uneven(page, size: size)
  }

  /// The first test's samples: one byte every `stride` from offset 7, the top byte of a
  /// 64-bit word (`AddressTablePage` reads them too).
  @inline(__always)
  static func samples(_ page: UnsafeRawPointer, size: Int) -> (distinct: Int, zeros: Int) {
    SampledBytes.count(page, size: size, from: 7, stride: stride, countingZeros: false)
  }

  /// Whether the bytes at every fourth offset are further from uniform than
  /// `chiSquareLimit`: with n bytes counted, chi-square = 256 × Σ count² / n − n.
  static func uneven(_ page: UnsafeRawPointer, size: Int) -> Bool {
    // Two tables, one for each byte a word gives, so that consecutive counts of one
    // value do not wait on each other.
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 512) { table in
      let counts = table.baseAddress!
      counts.initialize(repeating: 0, count: 512)
      var offset = 0
      while offset &+ 8 <= size {
        let word = page.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
        counts[Int(truncatingIfNeeded: word & 0xFF)] &+= 1
        counts[256 &+ Int(truncatingIfNeeded: (word &>> 32) & 0xFF)] &+= 1
        offset &+= 8
      }
      var squares = 0
      for value in 0..<256 {
        let count = Int(counts[value] &+ counts[256 &+ value])
        squares &+= count &* count
      }
      let counted = size / 8 * 2
      return 256 &* squares > counted &* (counted &+ chiSquareLimit)
    }
  }
}
