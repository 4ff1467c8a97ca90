import Bytes
import Codecs

/// Whole-file compression of kernel modules (`.ko.xz`, `.ko.zst`, `.ko.gz`, as kmod's
/// `CONFIG_MODULE_COMPRESS_*` writes them), recognised by magic: the libraries are
/// loaded at run time, so building needs none of their headers.
enum CompressedModule {
  /// A module inflated past this is not a module.
  static let sizeLimit = 1 << 30

  enum Format { case xz, zstd, gzip }

  static func format(of view: ByteView) -> Format? {
    guard let head = try? view.bytes(0, 6) else { return nil }
    if head == [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] { return .xz }
    if Array(head.prefix(4)) == [0x28, 0xb5, 0x2f, 0xfd] { return .zstd }
    if Array(head.prefix(2)) == [0x1f, 0x8b] { return .gzip }
    return nil
  }

  static func decompress(_ view: ByteView) throws -> ByteView {
    switch format(of: view) {
    case .xz:
      return try grow(view, "xz") { input, output throws(CodecError) in try Lzma.decode(input, into: output) }
    case .zstd: return try zstdFrame(view)
    case .gzip:
      return try grow(view, "gzip") { input, output throws(CodecError) in
        try Zlib.inflate(input, format: .gzip, into: output)
      }
    case nil: return view
    }
  }

  /// Decodes into a buffer four times the input, doubling it while the decoder says it
  /// is too small. `attempt` returns the bytes written, or nil for "too small".
  private static func grow(
    _ view: ByteView, _ name: String,
    _ attempt: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(CodecError) -> Int?
  ) throws -> ByteView {
    var capacity = max(view.count * 4, 1 << 16)
    // Modules compress 3 to 10 times; past 64 the stream is broken, not large.
    let limit = min(sizeLimit, max(view.count * 64, 1 << 20))
    while capacity <= limit {
      var output = [UInt8](repeating: 0, count: capacity)
      let written: Int? = try view.withUnsafeBytes { input in
        try output.withUnsafeMutableBytes { out in
          try decoded(view, name) { () throws(CodecError) in try attempt(input, out) }
        }
      }
      if let written {
        output.removeSubrange(written...)
        return ByteView(bytes: output, name: view.name)
      }
      capacity *= 2
    }
    throw SymbolsError(
      .malformed, path: view.name, expected: "a complete \(name) stream inflating to under \(limit) bytes")
  }

  /// A whole zstd frame whose header states its size (kmod writes it).
  private static func zstdFrame(_ view: ByteView) throws -> ByteView {
    let stated = try view.withUnsafeBytes { input in
      try decoded(view, "zstd") { () throws(CodecError) in try Zstd.frameContentSize(input) }
    }
    guard let size = stated, size <= UInt64(sizeLimit) else {
      throw SymbolsError(.unsupported, path: view.name, expected: "a zstd frame that states its size")
    }
    return try ElfCompression.decompressZstd(view, size: size)
  }

  /// Runs a codec, its failures told in the module's terms.
  private static func decoded<T>(
    _ view: ByteView, _ name: String, _ body: () throws(CodecError) -> T
  ) throws -> T {
    do {
      return try body()
    } catch {
      if case .unavailable(_, let library) = error {
        throw SymbolsError(
          .unsupported, path: view.name, expected: "a \(name)-compressed module needs \(library)")
      }
      throw SymbolsError(.malformed, path: view.name, expected: "a \(name) stream (\(error))")
    }
  }
}
