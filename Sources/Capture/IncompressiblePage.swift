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
/// The sample is 128 bytes, one every 32: random bytes show about 100 distinct values
/// among 128 (256 × (1 − (255/256)^128)), text, code and kernel structures far fewer.
/// Measured on the lab's 6.1 panic dump (40,670 non-zero pages) against 2,000 pages of
/// /dev/urandom: above 85 distinct values flags every random page and 8,011 dump pages,
/// whose zlib streams would have saved 0.05% of the dump's size.
enum IncompressiblePage {
  static let stride = 32
  static let threshold = 85

  /// False when CORONER_CAPTURE_EVERY_PAGE is set: every page goes to the codec, so that
  /// scripts/bench-capture can measure what the guess costs and saves.
  static let guesses = getenv("CORONER_CAPTURE_EVERY_PAGE") == nil

  /// True when the sampled bytes of the page at `page` (`size` bytes, a multiple of
  /// `stride`) look random.
  static func looksRandom(_ page: UnsafeRawPointer, size: Int) -> Bool {
    // One bit per byte value in four words, each byte's bit or'ed into all four under a
    // mask that keeps it in its own word only: no branch on the sampled data.
    var seen0: UInt64 = 0
    var seen1: UInt64 = 0
    var seen2: UInt64 = 0
    var seen3: UInt64 = 0
    var offset = 7
    while offset < size {
      let byte = UInt64(page.load(fromByteOffset: offset, as: UInt8.self))
      let bit = UInt64(1) &<< (byte & 63)
      let quarter = byte &>> 6
      seen0 |= bit & (0 &- (quarter == 0 ? 1 : 0))
      seen1 |= bit & (0 &- (quarter == 1 ? 1 : 0))
      seen2 |= bit & (0 &- (quarter == 2 ? 1 : 0))
      seen3 |= bit & (0 &- (quarter == 3 ? 1 : 0))
      offset &+= stride
    }
    let distinct =
      seen0.nonzeroBitCount + seen1.nonzeroBitCount + seen2.nonzeroBitCount + seen3.nonzeroBitCount
    return distinct > threshold
  }
}
