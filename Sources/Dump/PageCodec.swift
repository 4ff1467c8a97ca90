import Codecs

/// How one page of a kdump-compressed dump is stored (`page_desc.flags`, makedumpfile
/// diskdump_mod.h; vmcore-format.md §2.5–2.6).
public enum PageCodec: String, Sendable, CaseIterable {
  case none, zlib, lzo, snappy, zstd

  public init?(flags: UInt32) {
    guard let codec = Self.allCases.first(where: { $0.flag == flags }) else { return nil }
    self = codec
  }

  /// The codecs named by a header `status` word.
  public static func named(byStatus status: UInt32) -> [PageCodec] {
    allCases.filter { $0 != .none && status & $0.flag != 0 }
  }

  /// The bit this codec sets in `disk_dump_header.status` and `page_desc.flags`.
  /// Zero for raw pages.
  public var flag: UInt32 {
    switch self {
    case .none: return 0
    case .zlib: return 0x01
    case .lzo: return 0x02
    case .snappy: return 0x04
    case .zstd: return 0x20
    }
  }

  /// Decodes `input` into exactly `pageSize` bytes, or says why it cannot
  /// (the caller wraps the `CodecError` into a `DumpError`).
  public func decode(_ input: [UInt8], pageSize: Int) throws(CodecError) -> [UInt8] {
    if self == .none {
      guard input.count == pageSize else { throw .wrongSize(expected: pageSize, found: input.count) }
      return input
    }
    var output = [UInt8](repeating: 0, count: pageSize)
    var failure: CodecError?
    let written: Int? = output.withUnsafeMutableBytes { out in
      input.withUnsafeBytes { source in
        do throws(CodecError) {
          switch self {
          case .none: return nil
          case .zlib: return try Zlib.inflate(source, format: .zlib, into: out)
          case .lzo: return try Lzo.decompress(source, into: out)
          case .snappy: return try Snappy.uncompress(source, into: out)
          case .zstd: return try Zstd.decompress(source, into: out)
          }
        } catch {
          failure = error
          return nil
        }
      }
    }
    if let failure { throw failure }
    // nil: the stream holds more than a page.
    guard let written else { throw .tooLarge(codec: rawValue, limit: pageSize) }
    guard written == pageSize else { throw .wrongSize(expected: pageSize, found: written) }
    return output
  }
}
