import CZlib

/// Inflates deflate streams with the system's zlib.
///
/// pstore compresses records with raw deflate: the crypto API's "deflate" before 6.6
/// (crypto/deflate.c, `-DEFLATE_DEF_WINBITS`) and zlib_deflate with `-MAX_WBITS` since
/// (fs/pstore/platform.c). /proc/config.gz is gzip.
public enum Zlib {
  public enum Format: Sendable {
    /// Raw deflate, no header (windowBits -15).
    case raw
    /// A zlib or gzip header, detected (windowBits 15 + 32).
    case zlibOrGzip

    var windowBits: Int32 { self == .raw ? -15 : 47 }
  }

  public struct InflateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// zlib's return code (Z_DATA_ERROR, Z_BUF_ERROR, ...).
    public var code: Int32
    public var message: String
    /// Bytes of input consumed when it stopped.
    public var offset: Int

    public var description: String { "inflate failed at input byte \(offset): \(message) (zlib \(code))" }
  }

  /// The whole inflated stream; throws on corrupt or truncated input, or when the output
  /// would exceed `limit` bytes.
  public static func inflate(
    _ input: [UInt8], format: Format, limit: Int = 256 << 20
  ) throws(InflateError)
    -> [UInt8]
  {
    var stream = z_stream()
    let initialized = inflateInit2_(
      &stream, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard initialized == Z_OK else {
      throw InflateError(code: initialized, message: "cannot initialize zlib", offset: 0)
    }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    var status = Z_OK
    var consumed = 0
    input.withUnsafeBufferPointer { source in
      stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
      stream.avail_in = UInt32(source.count)
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
    if output.count > limit {
      throw InflateError(code: Z_BUF_ERROR, message: "output larger than \(limit) bytes", offset: consumed)
    }
    guard status == Z_STREAM_END else {
      let message =
        status == Z_OK || status == Z_BUF_ERROR
        ? "stream truncated"
        : (stream.msg.map { String(cString: $0) } ?? zError(status).map { String(cString: $0) } ?? "")
      throw InflateError(code: status, message: message, offset: consumed)
    }
    return output
  }
}
