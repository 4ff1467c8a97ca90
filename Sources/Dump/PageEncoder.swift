import CZlib

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension PageCodec {
  /// The bit this codec sets in `disk_dump_header.status` and `page_desc.flags`
  /// (makedumpfile diskdump_mod.h; vmcore-format.md §2.5). Zero for raw pages.
  public var flag: UInt32 {
    switch self {
    case .none: return 0
    case .zlib: return 0x01
    case .lzo: return 0x02
    case .snappy: return 0x04
    case .zstd: return 0x20
    }
  }
}

/// Compresses pages one at a time with the streams makedumpfile writes and the
/// reader's `PageCodec.decode` reads back: a zlib stream at level 1 (`compress2`),
/// raw LZO1X-1, raw snappy, one zstd frame at level 1 (vmcore-format.md §7.7).
///
/// One encoder per thread: it owns its work memory (a deflate stream reset between
/// pages, LZO's dictionary, a zstd context), so a page costs no allocation.
public final class PageEncoder {
  public let codec: PageCodec
  public let pageSize: Int
  /// Bytes `output` must hold for any page.
  public let outputCapacity: Int
  private var deflateStream = z_stream()
  private var deflateReady = false
  private var work: UnsafeMutableRawPointer?
  private var zstdContext: UnsafeMutableRawPointer?
  private let compressors = RuntimeCompressors.shared

  public init(codec: PageCodec, pageSize: Int) throws {
    self.codec = codec
    self.pageSize = pageSize
    switch codec {
    case .none:
      outputCapacity = pageSize
    case .zlib:
      outputCapacity = Int(compressBound(uLong(pageSize)))
      let status = deflateInit_(
        &deflateStream, 1, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
      guard status == Z_OK else { throw PageCodecError.decoder(codec: "zlib", status: Int(status)) }
      deflateReady = true
    case .lzo:
      guard compressors.lzoCompress != nil else {
        throw PageCodecError.unavailable(codec: "lzo", library: "liblzo2.so.2")
      }
      // LZO1X_1_MEM_COMPRESS is 16384 dictionary entries of at most 8 bytes.
      outputCapacity = pageSize + pageSize / 16 + 64 + 3
      work = UnsafeMutableRawPointer.allocate(byteCount: 16384 * 8, alignment: 16)
    case .snappy:
      guard let bound = compressors.snappyBound, compressors.snappyCompress != nil else {
        throw PageCodecError.unavailable(codec: "snappy", library: "libsnappy.so.1")
      }
      outputCapacity = bound(pageSize)
    case .zstd:
      guard let create = compressors.zstdCreate, let bound = compressors.zstdBound,
        compressors.zstdCompress != nil
      else {
        throw PageCodecError.unavailable(codec: "zstd", library: "libzstd.so.1")
      }
      outputCapacity = bound(pageSize)
      zstdContext = create()
    }
  }

  deinit {
    if deflateReady { deflateEnd(&deflateStream) }
    work?.deallocate()
    if let zstdContext { _ = compressors.zstdFree?(zstdContext) }
  }

  /// Compresses one page from `page` (exactly `pageSize` bytes) into `output`
  /// (at least `outputCapacity` bytes). Returns the compressed size, or nil when the
  /// page does not shrink and must be stored raw (makedumpfile stores it raw then).
  public func encode(_ page: UnsafeRawPointer, into output: UnsafeMutableRawPointer) -> Int? {
    let size: Int?
    switch codec {
    case .none: return nil
    case .zlib: size = deflatePage(page, into: output)
    case .lzo:
      var length: UInt = 0
      let status = compressors.lzoCompress?(
        page.assumingMemoryBound(to: UInt8.self), UInt(pageSize),
        output.assumingMemoryBound(to: UInt8.self), &length, work)
      size = status == 0 ? Int(length) : nil
    case .snappy:
      var length = outputCapacity
      let status = compressors.snappyCompress?(
        page.assumingMemoryBound(to: CChar.self), pageSize, output.assumingMemoryBound(to: CChar.self),
        &length)
      size = status == 0 ? length : nil
    case .zstd:
      let length = compressors.zstdCompress?(zstdContext, output, outputCapacity, page, pageSize, 1) ?? 0
      size = (compressors.zstdIsError?(length) ?? 1) == 0 ? length : nil
    }
    guard let size, size > 0, size < pageSize else { return nil }
    return size
  }

  /// One zlib stream per page, the deflate state reused (`deflateReset`) instead of
  /// built and freed by every `compress2` call.
  private func deflatePage(_ page: UnsafeRawPointer, into output: UnsafeMutableRawPointer) -> Int? {
    guard deflateReset(&deflateStream) == Z_OK else { return nil }
    deflateStream.next_in = UnsafeMutablePointer(mutating: page.assumingMemoryBound(to: Bytef.self))
    deflateStream.avail_in = uInt(pageSize)
    deflateStream.next_out = output.assumingMemoryBound(to: Bytef.self)
    deflateStream.avail_out = uInt(outputCapacity)
    let status = deflate(&deflateStream, Z_FINISH)
    guard status == Z_STREAM_END else { return nil }
    return Int(deflateStream.total_out)
  }
}

/// The LZO, snappy and zstd compressors, loaded with dlopen(3) like the decoders
/// (`RuntimeCodecs`), so that building needs none of their headers.
final class RuntimeCompressors: @unchecked Sendable {
  static let shared = RuntimeCompressors()

  // lzo1x_1_compress(src, src_len, dst, &dst_len, wrkmem) -> int (LZO_E_OK = 0)
  typealias LzoCompress =
    @convention(c) (
      UnsafePointer<UInt8>?, UInt, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?,
      UnsafeMutableRawPointer?
    ) -> Int32
  // snappy_compress(src, len, dst, &dst_len) -> snappy_status; snappy_max_compressed_length(len)
  typealias SnappyCompress =
    @convention(c) (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?)
    -> Int32
  typealias SnappyBound = @convention(c) (Int) -> Int
  // ZSTD_createCCtx(), ZSTD_freeCCtx(cctx), ZSTD_compressBound(size),
  // ZSTD_compressCCtx(cctx, dst, capacity, src, size, level) -> size_t
  typealias ZstdCreate = @convention(c) () -> UnsafeMutableRawPointer?
  typealias ZstdFree = @convention(c) (UnsafeMutableRawPointer?) -> Int
  typealias ZstdBound = @convention(c) (Int) -> Int
  typealias ZstdCompress =
    @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32)
    -> Int
  typealias ZstdIsError = @convention(c) (Int) -> UInt32

  let lzoCompress: LzoCompress?
  let snappyCompress: SnappyCompress?
  let snappyBound: SnappyBound?
  let zstdCreate: ZstdCreate?
  let zstdFree: ZstdFree?
  let zstdBound: ZstdBound?
  let zstdCompress: ZstdCompress?
  let zstdIsError: ZstdIsError?

  private init() {
    lzoCompress = RuntimeCodecs.symbol("liblzo2.so.2", "lzo1x_1_compress")
    snappyCompress = RuntimeCodecs.symbol("libsnappy.so.1", "snappy_compress")
    snappyBound = RuntimeCodecs.symbol("libsnappy.so.1", "snappy_max_compressed_length")
    zstdCreate = RuntimeCodecs.symbol("libzstd.so.1", "ZSTD_createCCtx")
    zstdFree = RuntimeCodecs.symbol("libzstd.so.1", "ZSTD_freeCCtx")
    zstdBound = RuntimeCodecs.symbol("libzstd.so.1", "ZSTD_compressBound")
    zstdCompress = RuntimeCodecs.symbol("libzstd.so.1", "ZSTD_compressCCtx")
    zstdIsError = RuntimeCodecs.symbol("libzstd.so.1", "ZSTD_isError")
  }
}
