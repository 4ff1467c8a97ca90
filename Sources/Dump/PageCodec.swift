import CZlib

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How one page of a kdump-compressed dump is stored (`page_desc.flags`, makedumpfile
/// diskdump_mod.h; vmcore-format.md §2.5–2.6).
public enum PageCodec: String, Sendable, CaseIterable {
  case none, zlib, lzo, snappy, zstd

  public init?(flags: UInt32) {
    switch flags {
    case 0: self = .none
    case 0x01: self = .zlib
    case 0x02: self = .lzo
    case 0x04: self = .snappy
    case 0x20: self = .zstd
    default: return nil
    }
  }

  /// The codecs named by a header `status` word.
  public static func named(byStatus status: UInt32) -> [PageCodec] {
    var codecs: [PageCodec] = []
    if status & 0x01 != 0 { codecs.append(.zlib) }
    if status & 0x02 != 0 { codecs.append(.lzo) }
    if status & 0x04 != 0 { codecs.append(.snappy) }
    if status & 0x20 != 0 { codecs.append(.zstd) }
    return codecs
  }

  /// Decodes `input` into exactly `pageSize` bytes, or says why it cannot.
  /// The failure string is wrapped into `DumpError.badPage` by the caller.
  public func decode(_ input: [UInt8], pageSize: Int) throws -> [UInt8] {
    switch self {
    case .none:
      guard input.count == pageSize else {
        throw PageCodecError.wrongSize(expected: pageSize, found: input.count)
      }
      return input
    case .zlib: return try Self.inflate(input, pageSize: pageSize)
    case .lzo: return try RuntimeCodecs.shared.lzo(input, pageSize: pageSize)
    case .snappy: return try RuntimeCodecs.shared.snappy(input, pageSize: pageSize)
    case .zstd: return try RuntimeCodecs.shared.zstd(input, pageSize: pageSize)
    }
  }

  /// zlib's `uncompress` (the stream makedumpfile and QEMU write with `compress2`).
  static func inflate(_ input: [UInt8], pageSize: Int) throws -> [UInt8] {
    var output = [UInt8](repeating: 0, count: pageSize)
    var length = uLongf(pageSize)
    let status = output.withUnsafeMutableBufferPointer { out in
      input.withUnsafeBufferPointer { source in
        uncompress(out.baseAddress, &length, source.baseAddress, uLong(source.count))
      }
    }
    guard status == Z_OK else { throw PageCodecError.decoder(codec: "zlib", status: Int(status)) }
    guard length == pageSize else { throw PageCodecError.wrongSize(expected: pageSize, found: Int(length)) }
    return output
  }
}

/// Why a page did not decode; carried inside `DumpError.badPage`.
public enum PageCodecError: Error, Sendable, Equatable, CustomStringConvertible {
  case wrongSize(expected: Int, found: Int)
  case decoder(codec: String, status: Int)
  case unavailable(codec: String, library: String)

  public var description: String {
    switch self {
    case .wrongSize(let expected, let found): return "decoded to \(found) bytes, expected \(expected)"
    case .decoder(let codec, let status): return "\(codec) decoder failed (status \(status))"
    case .unavailable(let codec, let library): return "\(codec) needs \(library), which is not installed"
    }
  }
}

/// The LZO, snappy and zstd decoders, loaded with dlopen(3) on first use so that
/// `swift build` needs none of their headers (design.md, Dependencies).
final class RuntimeCodecs: @unchecked Sendable {
  static let shared = RuntimeCodecs()

  // lzo1x_decompress_safe(src, src_len, dst, &dst_len, wrkmem) -> int (LZO_E_OK = 0)
  typealias LzoDecompress =
    @convention(c) (
      UnsafePointer<UInt8>?, UInt, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?,
      UnsafeMutableRawPointer?
    ) -> Int32
  // snappy_uncompress(src, src_len, dst, &dst_len) -> snappy_status (SNAPPY_OK = 0)
  typealias SnappyUncompress =
    @convention(c) (
      UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?
    ) -> Int32
  // ZSTD_decompress(dst, capacity, src, src_size) -> size_t; ZSTD_isError(size_t) -> unsigned
  typealias ZstdDecompress = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int
  typealias ZstdIsError = @convention(c) (Int) -> UInt32

  let lzoDecompress: LzoDecompress?
  let snappyUncompress: SnappyUncompress?
  let zstdDecompress: ZstdDecompress?
  let zstdIsError: ZstdIsError?

  private init() {
    lzoDecompress = Self.symbol("liblzo2.so.2", "lzo1x_decompress_safe")
    snappyUncompress = Self.symbol("libsnappy.so.1", "snappy_uncompress")
    zstdDecompress = Self.symbol("libzstd.so.1", "ZSTD_decompress")
    zstdIsError = Self.symbol("libzstd.so.1", "ZSTD_isError")
  }

  static func symbol<T>(_ library: String, _ name: String) -> T? {
    guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL), let pointer = dlsym(handle, name) else {
      return nil
    }
    return unsafeBitCast(pointer, to: T.self)
  }

  func lzo(_ input: [UInt8], pageSize: Int) throws -> [UInt8] {
    guard let lzoDecompress else { throw PageCodecError.unavailable(codec: "lzo", library: "liblzo2.so.2") }
    var output = [UInt8](repeating: 0, count: pageSize)
    var length = UInt(pageSize)
    let status = output.withUnsafeMutableBufferPointer { out in
      input.withUnsafeBufferPointer { source in
        lzoDecompress(source.baseAddress, UInt(source.count), out.baseAddress, &length, nil)
      }
    }
    guard status == 0 else { throw PageCodecError.decoder(codec: "lzo", status: Int(status)) }
    guard length == pageSize else { throw PageCodecError.wrongSize(expected: pageSize, found: Int(length)) }
    return output
  }

  func snappy(_ input: [UInt8], pageSize: Int) throws -> [UInt8] {
    guard let snappyUncompress else {
      throw PageCodecError.unavailable(codec: "snappy", library: "libsnappy.so.1")
    }
    var output = [UInt8](repeating: 0, count: pageSize)
    var length = pageSize
    let status = output.withUnsafeMutableBytes { out in
      input.withUnsafeBytes { source in
        snappyUncompress(
          source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count,
          out.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
      }
    }
    guard status == 0 else { throw PageCodecError.decoder(codec: "snappy", status: Int(status)) }
    guard length == pageSize else { throw PageCodecError.wrongSize(expected: pageSize, found: length) }
    return output
  }

  func zstd(_ input: [UInt8], pageSize: Int) throws -> [UInt8] {
    guard let zstdDecompress, let zstdIsError else {
      throw PageCodecError.unavailable(codec: "zstd", library: "libzstd.so.1")
    }
    var output = [UInt8](repeating: 0, count: pageSize)
    let length = output.withUnsafeMutableBytes { out in
      input.withUnsafeBytes { source in
        zstdDecompress(out.baseAddress, out.count, source.baseAddress, source.count)
      }
    }
    guard zstdIsError(length) == 0 else { throw PageCodecError.decoder(codec: "zstd", status: length) }
    guard length == pageSize else { throw PageCodecError.wrongSize(expected: pageSize, found: length) }
    return output
  }
}
