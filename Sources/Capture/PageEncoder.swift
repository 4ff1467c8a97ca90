import Codecs
import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Compresses pages one at a time with the streams makedumpfile writes and the
/// reader's `PageCodec.decode` reads back: a zlib stream (written by `PageDeflater`, a
/// deflate made for single pages; by zlib's `compress2` at level 1, as makedumpfile does,
/// for pages over 64 KiB, which Linux does not have), raw LZO1X-1, raw snappy, one zstd
/// frame at level 1 (vmcore-format.md §7.7), its literals stored raw on sparse pages
/// (`SparsePage`), or in a zstd dump a zlib stream for a page of addresses
/// (`AddressTablePage`) and where zstd leaves a page mostly literals (`deflatesAlso`;
/// `flag` names the stream's codec).
///
/// One encoder per thread: it owns its work memory (the deflater's tables, LZO's dictionary, a zstd context), so a page costs no allocation.
public final class PageEncoder {
  public let codec: PageCodec
  public let pageSize: Int
  /// Bytes `output` must hold for any page.
  public let outputCapacity: Int
  private let compressor: Compressor
  private var sameFilled = SameFilledPage()
  /// The codec bit of the stream `encode` returned last (`PageCodec.flag`).
  public private(set) var flag: UInt32
  /// zstd pages only: the deflater of pages of addresses (`AddressTablePage`, deflated
  /// into the page's output) and of the pages zstd leaves mostly literals
  /// (`deflatesAlso`), and where the latter's stream goes.
  private let zlibTrial: (deflater: PageDeflater, output: UnsafeMutableRawPointer)?

  /// A zstd page whose first block is at least this share of literals is deflated too,
  /// and the smaller stream kept (a zlib page in a zstd dump: each page descriptor names
  /// its own codec, and crash, drgn and makedumpfile decode by that flag). zstd's
  /// shortest match is 4 bytes, deflate's 3; on pages of addresses and counters whose high
  /// bytes repeat, zstd finds few matches and deflate many. Chosen on the 6.1 and 6.12
  /// panic dumps' pages (2.5-2.9% deflated too, 0.8-1.2% of the dump saved) and checked on
  /// 5.10's and sid's: sid's -d 1 zstd dump from 1.006 to 0.998 of makedumpfile -c's size,
  /// for 2-6% of zstd's time (scripts/bench-capture, README).
  static let deflatesAlso = (numerator: 9, denominator: 10)
  /// zstd's shortest match: 5 bytes, what level 1 takes for a page. 4 made the lab's -d 31
  /// zstd dumps 0.6-1.0% smaller for 3.4-3.9% more CPU time (5.10 and 6.1). With pages of
  /// addresses deflated (`AddressTablePage`), 5 leaves three of the four panic scenes'
  /// -d 31 dumps smaller than 4 did without them (sid's 0.09% larger, 0.997 of makedumpfile
  /// -c's size), for 2.3-2.6% less CPU time (README, "Pages of addresses").
  static let zstdMinimumMatch: Int32 = 5
  /// False when CORONER_CAPTURE_ZSTD_ONLY is set: zstd dumps hold zstd pages alone, so
  /// that scripts/bench-capture can measure what the zlib pages cost and save.
  static let mixesZlib = getenv("CORONER_CAPTURE_ZSTD_ONLY") == nil
  /// False when CORONER_CAPTURE_ZSTD_HUFFMAN is set: every zstd page's literals are
  /// Huffman-coded, sparse ones too (`SparsePage`), to measure what raw ones save.
  static let sparseRaw = getenv("CORONER_CAPTURE_ZSTD_HUFFMAN") == nil
  /// zstd pages only: the context that stores literals raw, for sparse pages, or nil
  /// where the library cannot (before zstd 1.4.0).
  private let rawLiterals: Zstd.Compressor?

  private enum Compressor {
    case none
    case zlib(Zlib.Deflater)
    case pageDeflate(PageDeflater)
    case lzo(Lzo.Compressor)
    case snappy
    case zstd(Zstd.Compressor)
  }

  /// Why zlib pages are written by zlib rather than PageDeflater, or nil.
  public static func zlibFallback(pageSize: Int) -> String? {
    pageSize <= PageDeflater.largestPage
      ? nil : "zlib pages of \(pageSize) bytes written by zlib: same format, slower"
  }

  public init(codec: PageCodec, pageSize: Int) throws(CodecError) {
    self.codec = codec
    self.pageSize = pageSize
    flag = codec.flag
    if codec == .zstd && pageSize <= PageDeflater.largestPage && Self.mixesZlib {
      let deflater = PageDeflater(pageSize: pageSize, settings: .kernelPages)
      zlibTrial = (deflater, .allocate(byteCount: deflater.outputCapacity, alignment: 16))
    } else {
      zlibTrial = nil
    }
    if codec == .zstd && Self.sparseRaw,
      let raw = try? Zstd.Compressor(level: 1, minimumMatch: 4, rawLiterals: true),
      raw.literalsRaw
    {
      rawLiterals = raw
    } else {
      rawLiterals = nil
    }
    switch codec {
    case .none:
      outputCapacity = pageSize
      compressor = .none
    case .zlib where pageSize <= PageDeflater.largestPage:
      let deflater = PageDeflater(pageSize: pageSize, settings: .kernelPages)
      outputCapacity = max(pageSize, deflater.outputCapacity)
      compressor = .pageDeflate(deflater)
    case .zlib:
      outputCapacity = Zlib.bound(pageSize)
      compressor = .zlib(try Zlib.Deflater(level: 1))
    case .lzo:
      let lzo = try Lzo.Compressor()
      outputCapacity = lzo.bound(pageSize)
      compressor = .lzo(lzo)
    case .snappy:
      outputCapacity = try Snappy.bound(pageSize)
      compressor = .snappy
    case .zstd:
      // Level 1 with its own shortest match for a page (`zstdMinimumMatch`).
      // A hash table of 2^16 entries where ZSTD_compress2 would fit 2^13 to the page:
      // fewer collisions, so fewer false match attempts. On the 5.10 and 6.1 panic dumps'
      // -d 31 pages (those not one repeated word), libzstd 1.5.4 took 5-7% less time and
      // wrote 0.06% fewer bytes (README, "The capture kernel's binary").
      let zstd = try Zstd.Compressor(level: 1, minimumMatch: Self.zstdMinimumMatch, hashLog: 16)
      // Room for a deflated page too (`AddressTablePage` pages are deflated in place).
      outputCapacity = max(zstd.bound(pageSize), zlibTrial?.deflater.outputCapacity ?? 0)
      compressor = .zstd(zstd)
    }
  }

  /// Compresses one page from `page` (exactly `pageSize` bytes) into `output`
  /// (at least `outputCapacity` bytes). Returns the compressed size, or nil when the
  /// page does not shrink, or looks random (`IncompressiblePage`), and must be stored
  /// raw (makedumpfile stores it raw then). A page filled with one word takes the stream
  /// an earlier page filled with it got (`SameFilledPage`).
  public func encode(_ page: UnsafeRawPointer, into output: UnsafeMutableRawPointer) -> Int? {
    if case .none = compressor { return nil }
    flag = codec.flag
    if let word = SameFilledPage.word(page, size: pageSize) {
      return sameFilled.stream(word, into: output) { compress(page, into: output, top: nil) }
    }
    let top = IncompressiblePage.samples(page, size: pageSize)
    if IncompressiblePage.guesses && IncompressiblePage.looksRandom(page, size: pageSize, sampled: top) {
      return nil
    }
    return compress(page, into: output, top: top)
  }

  deinit {
    sameFilled.deallocate()
    zlibTrial?.output.deallocate()
  }

  /// `top` holds the page's bytes sampled from offset 7 (`IncompressiblePage.samples`);
  /// nil for a page of one repeated word, compressed once for the cache: no zlib stream,
  /// no sparse-page context for it.
  private func compress(
    _ page: UnsafeRawPointer, into output: UnsafeMutableRawPointer, top: (distinct: Int, zeros: Int)?
  ) -> Int? {
    let size: Int?
    switch compressor {
    case .none: return nil
    case .zlib(let deflater):
      size = deflater.deflate(page, count: pageSize, into: output, capacity: outputCapacity)
    case .pageDeflate(let deflater):
      size = deflater.compress(
        page, into: output, shortMatches: ShortMatchPage.matches(topDistinct: top?.distinct))
    case .lzo(let lzo): size = lzo.compress(page, count: pageSize, into: output)
    case .snappy: size = try? Snappy.compress(page, count: pageSize, into: output, capacity: outputCapacity)
    case .zstd(var zstd):
      if let top {
        let low = SparsePage.samples(page, size: pageSize)
        if let (deflater, _) = zlibTrial,
          AddressTablePage.matches(topDistinct: top.distinct, lowZeros: low.zeros, size: pageSize),
          let deflatedSize = deflater.compress(page, into: output)
        {
          flag = PageCodec.zlib.flag
          return deflatedSize
        }
        if let raw = rawLiterals, SparsePage.isSparse(topDistinct: top.distinct, low: low, size: pageSize) {
          zstd = raw
        }
      }
      size = zstd.compress(page, count: pageSize, into: output, capacity: outputCapacity)
      // The trial keeps 3-byte matches on every page: zstd dumps as before.
      if top != nil, let zstdSize = size, let (deflater, deflated) = zlibTrial,
        let literals = Zstd.firstBlockLiterals(output, count: zstdSize),
        literals >= pageSize * Self.deflatesAlso.numerator / Self.deflatesAlso.denominator,
        let deflatedSize = deflater.compress(page, into: deflated), deflatedSize < zstdSize
      {
        output.copyMemory(from: deflated, byteCount: deflatedSize)
        flag = PageCodec.zlib.flag
        return deflatedSize
      }
    }
    guard let size, size > 0, size < pageSize else { return nil }
    return size
  }
}
