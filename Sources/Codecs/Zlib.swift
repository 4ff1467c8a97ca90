import CZlib

/// Deflate streams with the system's zlib, the one codec linked at build time.
///
/// Who writes them: makedumpfile and QEMU compress kdump pages with `compress2` (a zlib
/// stream per page); binutils' `--compress-debug-sections` writes zlib streams after an
/// Elf64_Chdr; kmod writes gzip modules; pstore compresses records with raw deflate, the
/// crypto API's "deflate" before 6.6 (crypto/deflate.c, `-DEFLATE_DEF_WINBITS`) and
/// zlib_deflate with `-MAX_WBITS` since (fs/pstore/platform.c); /proc/config.gz is gzip.
public enum Zlib {
  public enum Format: Sendable {
    /// Raw deflate, no header (windowBits -15).
    case raw
    /// A zlib header (windowBits 15).
    case zlib
    /// A gzip header (windowBits 15 + 16).
    case gzip
    /// A zlib or gzip header, detected (windowBits 15 + 32).
    case zlibOrGzip

    var windowBits: Int32 {
      switch self {
      case .raw: return -15
      case .zlib: return 15
      case .gzip: return 31
      case .zlibOrGzip: return 47
      }
    }
  }

  /// The whole inflated stream, for streams whose size nothing states; throws on
  /// corrupt or truncated input, or when the output would exceed `limit` bytes.
  public static func inflate(
    _ input: [UInt8], format: Format, limit: Int = 256 << 20
  ) throws(CodecError)
    -> [UInt8]
  {
    var stream = z_stream()
    let initialized = inflateInit2_(
      &stream, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard initialized == Z_OK else {
      throw .stream(codec: "zlib", status: Int(initialized), offset: 0, message: "cannot initialize zlib")
    }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    var status = Z_OK
    var consumed = 0
    input.withUnsafeBufferPointer { source in
      stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
      stream.avail_in = UInt32(clamping: source.count)
      repeat {
        chunk.withUnsafeMutableBufferPointer { buffer in
          stream.next_out = buffer.baseAddress
          stream.avail_out = UInt32(buffer.count)
          status = CZlib.inflate(&stream, Z_NO_FLUSH)
          output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
        }
      } while status == Z_OK && output.count <= limit && (stream.avail_in > 0 || stream.avail_out == 0)
      consumed = source.count - Int(stream.avail_in)
    }
    if output.count > limit { throw .tooLarge(codec: "zlib", limit: limit) }
    guard status == Z_STREAM_END else {
      throw .stream(codec: "zlib", status: Int(status), offset: consumed, message: message(status, stream))
    }
    return output
  }

  /// Inflates `input` into `output` in one call, for streams whose container states the
  /// size (a page, a compressed section) or that grow their buffer (a module). Returns
  /// the bytes written when the stream ends, nil when `output` fills first.
  public static func inflate(
    _ input: UnsafeRawBufferPointer, format: Format, into output: UnsafeMutableRawBufferPointer
  ) throws(CodecError) -> Int? {
    var stream = z_stream()
    let initialized = inflateInit2_(
      &stream, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard initialized == Z_OK else { throw .decoder(codec: "zlib", status: Int(initialized)) }
    defer { inflateEnd(&stream) }
    stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
    stream.avail_in = UInt32(clamping: input.count)
    stream.next_out = output.bindMemory(to: UInt8.self).baseAddress
    stream.avail_out = UInt32(clamping: output.count)
    let status = CZlib.inflate(&stream, Z_FINISH)
    if status == Z_STREAM_END { return Int(stream.total_out) }
    if status == Z_BUF_ERROR && stream.avail_out == 0 { return nil }
    throw .stream(
      codec: "zlib", status: Int(status), offset: input.count - Int(stream.avail_in),
      message: message(status, stream))
  }

  private static func message(_ status: Int32, _ stream: z_stream) -> String {
    if status == Z_OK || status == Z_BUF_ERROR { return "stream truncated" }
    return stream.msg.map { String(cString: $0) } ?? zError(status).map { String(cString: $0) } ?? ""
  }

  /// The most a deflate stream of `count` bytes can take (zlib's compressBound).
  public static func bound(_ count: Int) -> Int { Int(compressBound(uLong(count))) }

  /// One zlib stream per call, the deflate state reused (`deflateReset`) instead of
  /// built and freed by every `compress2` call: what a page writer wants.
  public final class Deflater {
    private var stream = z_stream()

    public init(level: Int32) throws(CodecError) {
      let status = deflateInit_(&stream, level, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
      guard status == Z_OK else { throw .decoder(codec: "zlib", status: Int(status)) }
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `count` bytes at `input` into `output` (`capacity` bytes). Returns
    /// the stream's size, or nil when it does not fit.
    public func deflate(
      _ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer, capacity: Int
    ) -> Int? {
      guard deflateReset(&stream) == Z_OK else { return nil }
      stream.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(count)
      stream.next_out = output.assumingMemoryBound(to: Bytef.self)
      stream.avail_out = uInt(capacity)
      guard CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END else { return nil }
      return Int(stream.total_out)
    }
  }
}
