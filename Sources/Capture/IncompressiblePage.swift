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
    // One bit per byte value, in four words on the stack: no branch on the sampled data.
    // Or'ing into the word a byte selects measured 0.15 us a page against 0.31 for four
    // registers each masked in (on the 15,851 kernel pages of the lab's 6.1 dump).
    var seen: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    return withUnsafeMutableBytes(of: &seen) { raw in
      let words = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
      var offset = 7
      while offset < size {
        let byte = Int(page.load(fromByteOffset: offset, as: UInt8.self))
        words[byte &>> 6] |= UInt64(1) &<< UInt64(byte & 63)
        offset &+= stride
      }
      let distinct =
        words[0].nonzeroBitCount + words[1].nonzeroBitCount + words[2].nonzeroBitCount
        + words[3].nonzeroBitCount
      return distinct > threshold
    }
  }
}
