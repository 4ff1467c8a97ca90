import Bytes
import Codecs

/// Compressed debug sections: SHF_COMPRESSED sections begin with an Elf64_Chdr
/// (`ch_type` 1 zlib, 2 zstd; `ch_size` the inflated size), the legacy `.zdebug_*`
/// ones with "ZLIB" and an 8-byte big-endian size (binutils `--compress-debug-sections`).
enum ElfCompression {
  static let zlibType: UInt32 = 1
  static let zstdType: UInt32 = 2
  /// No debug section of a real kernel comes near this; a hostile header asking for
  /// more is refused before anything is allocated.
  static let sizeLimit: UInt64 = 4 << 30

  static func decompressSection(_ view: ByteView) throws -> ByteView {
    var cursor = ByteCursor(view)
    let type = try cursor.u32()
    _ = try cursor.u32()
    let size = try cursor.u64()
    _ = try cursor.u64()
    let payload = try view.slice(24, UInt64(view.count - 24))
    switch type {
    case zlibType: return try inflate(payload, size: size)
    case zstdType: return try decompressZstd(payload, size: size)
    default:
      throw SymbolsError(
        .unsupported, path: view.name, offset: 0, expected: "ch_type 1 (zlib) or 2 (zstd), found \(type)")
    }
  }

  static func decompressLegacy(_ view: ByteView) throws -> ByteView {
    guard view.count >= 12, try view.bytes(0, 4) == Array("ZLIB".utf8) else {
      throw SymbolsError(
        .malformed, path: view.name, offset: 0, expected: "a .zdebug section starting with ZLIB")
    }
    let size = try view.bytes(4, 8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    return try inflate(view.slice(12, UInt64(view.count - 12)), size: size)
  }

  static func inflate(_ view: ByteView, size: UInt64) throws -> ByteView {
    // Deflate expands at most about 1032:1; a header claiming more is lying.
    guard size <= sizeLimit, size <= UInt64(view.count) * 1040 + 4096 else {
      throw SymbolsError(
        .malformed, path: view.name, offset: 8, expected: "an inflated size under 4 GiB, found \(size)")
    }
    return try decode(view, size: size, "a zlib stream") { input, output throws(CodecError) in
      try Zlib.inflate(input, format: .zlib, into: output)
    }
  }

  static func decompressZstd(_ view: ByteView, size: UInt64) throws -> ByteView {
    guard size <= sizeLimit else {
      throw SymbolsError(
        .malformed, path: view.name, offset: 8, expected: "an inflated size under 4 GiB, found \(size)")
    }
    return try decode(view, size: size, "a zstd frame") { input, output throws(CodecError) in
      try Zstd.decompress(input, into: output)
    }
  }

  /// Decodes the whole of `view` into a buffer of exactly `size` bytes that the
  /// returned view owns.
  static func decode(
    _ view: ByteView, size: UInt64, _ what: String,
    _ codec: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(CodecError) -> Int?
  ) throws -> ByteView {
    let output = UnsafeMutableRawPointer.allocate(byteCount: max(Int(size), 1), alignment: 16)
    let result: Result<Int?, CodecError> = view.withUnsafeBytes { input in
      Result { () throws(CodecError) in
        try codec(input, UnsafeMutableRawBufferPointer(start: output, count: Int(size)))
      }
    }
    switch result {
    case .success(let written?) where written == Int(size):
      let storage = ByteStorage(
        base: UnsafeRawPointer(output), count: Int(size), release: { output.deallocate() })
      return ByteView(storage: storage, name: view.name)
    case .success:
      output.deallocate()
      throw SymbolsError(.malformed, path: view.name, expected: "\(what) decompressing to \(size) bytes")
    case .failure(.unavailable(let codec, let library)):
      output.deallocate()
      throw SymbolsError(
        .unsupported, path: view.name, expected: "a \(codec)-compressed section needs \(library)")
    case .failure(let error):
      output.deallocate()
      throw SymbolsError(
        .malformed, path: view.name, expected: "\(what) decompressing to \(size) bytes (\(error))")
    }
  }
}
