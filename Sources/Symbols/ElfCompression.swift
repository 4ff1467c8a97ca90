import CZlib

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
    case zstdType: return try Zstd.decompress(payload, size: size)
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
    let output = UnsafeMutableRawPointer.allocate(byteCount: max(Int(size), 1), alignment: 16)
    let status: Int32 = view.withUnsafeBytes { input in
      var stream = z_stream()
      guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        return Z_MEM_ERROR
      }
      defer { inflateEnd(&stream) }
      stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
      stream.avail_in = UInt32(clamping: input.count)
      stream.next_out = output.assumingMemoryBound(to: UInt8.self)
      stream.avail_out = UInt32(clamping: size)
      let result = CZlib.inflate(&stream, Z_FINISH)
      return result == Z_STREAM_END && stream.total_out == size
        ? Z_OK : (result == Z_STREAM_END ? Z_DATA_ERROR : result)
    }
    guard status == Z_OK else {
      output.deallocate()
      throw SymbolsError(
        .malformed, path: view.name, expected: "a zlib stream inflating to \(size) bytes (zlib \(status))")
    }
    let storage = ByteStorage(
      base: UnsafeRawPointer(output), count: Int(size), release: { output.deallocate() })
    return ByteView(storage: storage, name: view.name)
  }
}

/// libzstd, loaded at run time (dlopen(3)) so that building needs no zstd headers.
enum Zstd {
  private typealias Decompress = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int
  private typealias IsError = @convention(c) (Int) -> UInt32

  private struct Library: @unchecked Sendable {
    let decompress: Decompress
    let isError: IsError
  }

  private static let library: Library? = {
    for name in ["libzstd.so.1", "libzstd.so"] {
      guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
      guard let decompress = dlsym(handle, "ZSTD_decompress"), let isError = dlsym(handle, "ZSTD_isError")
      else {
        continue
      }
      return Library(
        decompress: unsafeBitCast(decompress, to: Decompress.self),
        isError: unsafeBitCast(isError, to: IsError.self))
    }
    return nil
  }()

  static var isAvailable: Bool { library != nil }

  static func decompress(_ view: ByteView, size: UInt64) throws -> ByteView {
    guard let library else {
      throw SymbolsError(
        .unsupported, path: view.name, expected: "zstd-compressed section needs libzstd.so.1")
    }
    guard size <= ElfCompression.sizeLimit else {
      throw SymbolsError(
        .malformed, path: view.name, offset: 8, expected: "an inflated size under 4 GiB, found \(size)")
    }
    let output = UnsafeMutableRawPointer.allocate(byteCount: max(Int(size), 1), alignment: 16)
    let written = view.withUnsafeBytes { input in
      library.decompress(output, Int(size), input.baseAddress, input.count)
    }
    guard library.isError(written) == 0, written == Int(size) else {
      output.deallocate()
      throw SymbolsError(.malformed, path: view.name, expected: "a zstd frame decompressing to \(size) bytes")
    }
    let storage = ByteStorage(
      base: UnsafeRawPointer(output), count: Int(size), release: { output.deallocate() })
    return ByteView(storage: storage, name: view.name)
  }
}
