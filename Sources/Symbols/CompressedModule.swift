import CZlib

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
    case .xz: return try grow(view, "xz") { try Lzma.decode(view, into: &$0) }
    case .zstd: return try Zstd.decompressFrame(view)
    case .gzip: return try grow(view, "gzip") { try gunzip(view, into: &$0) }
    case nil: return view
    }
  }

  /// Decodes into a buffer four times the input, doubling it while the decoder says it
  /// is too small. `attempt` returns the bytes written, or nil for "too small".
  private static func grow(
    _ view: ByteView, _ name: String, _ attempt: (inout [UInt8]) throws -> Int?
  ) throws
    -> ByteView
  {
    var capacity = max(view.count * 4, 1 << 16)
    // Modules compress 3 to 10 times; past 64 the stream is broken, not large.
    let limit = min(sizeLimit, max(view.count * 64, 1 << 20))
    while capacity <= limit {
      var output = [UInt8](repeating: 0, count: capacity)
      if let written = try attempt(&output) {
        output.removeSubrange(written...)
        return ByteView(bytes: output, name: view.name)
      }
      capacity *= 2
    }
    throw SymbolsError(
      .malformed, path: view.name, expected: "a complete \(name) stream inflating to under \(limit) bytes")
  }

  private static func gunzip(_ view: ByteView, into output: inout [UInt8]) throws -> Int? {
    var stream = z_stream()
    guard inflateInit2_(&stream, 31, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw SymbolsError(.io, path: view.name, expected: "zlib could not start")
    }
    defer { inflateEnd(&stream) }
    let capacity = output.count
    let status: Int32 = view.withUnsafeBytes { input in
      output.withUnsafeMutableBytes { out in
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
        stream.avail_in = UInt32(clamping: input.count)
        stream.next_out = out.bindMemory(to: UInt8.self).baseAddress
        stream.avail_out = UInt32(clamping: capacity)
        return CZlib.inflate(&stream, Z_FINISH)
      }
    }
    if status == Z_STREAM_END { return Int(stream.total_out) }
    if status == Z_BUF_ERROR && stream.avail_out == 0 { return nil }
    throw SymbolsError(.malformed, path: view.name, expected: "a gzip stream (zlib \(status))")
  }
}

/// liblzma's one-call decoder (lzma_stream_buffer_decode(3)), loaded at run time.
enum Lzma {
  private typealias Decode =
    @convention(c) (
      UnsafeMutablePointer<UInt64>?, UInt32, UnsafeRawPointer?, UnsafePointer<UInt8>?,
      UnsafeMutablePointer<Int>?, Int,
      UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?, Int
    ) -> Int32

  private struct Library: @unchecked Sendable { let decode: Decode }

  private static let library: Library? = {
    for name in ["liblzma.so.5", "liblzma.so"] {
      guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL),
        let symbol = dlsym(handle, "lzma_stream_buffer_decode")
      else { continue }
      return Library(decode: unsafeBitCast(symbol, to: Decode.self))
    }
    return nil
  }()

  static func decode(_ view: ByteView, into output: inout [UInt8]) throws -> Int? {
    guard let library else {
      throw SymbolsError(
        .unsupported, path: view.name, expected: "an xz-compressed module needs liblzma.so.5")
    }
    var memoryLimit = UInt64.max
    var inputPosition = 0
    var outputPosition = 0
    let capacity = output.count
    let status = view.withUnsafeBytes { input in
      output.withUnsafeMutableBufferPointer { out in
        library.decode(
          &memoryLimit, 0, nil, input.bindMemory(to: UInt8.self).baseAddress, &inputPosition, input.count,
          out.baseAddress, &outputPosition, capacity)
      }
    }
    // LZMA_OK 0 is success for the one-call decoder; LZMA_BUF_ERROR 10 means the
    // output was too small or the input truncated, which it does not tell apart: the
    // caller grows the output up to a ratio no module reaches, then gives up.
    if status == 0 { return outputPosition }
    if status == 10 { return nil }
    throw SymbolsError(
      .malformed, path: view.name, offset: UInt64(inputPosition), expected: "an xz stream (lzma \(status))")
  }
}

extension Zstd {
  private typealias ContentSize = @convention(c) (UnsafeRawPointer?, Int) -> UInt64

  private static let contentSize: ContentSize? = {
    guard let handle = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL),
      let symbol = dlsym(handle, "ZSTD_getFrameContentSize")
    else { return nil }
    return unsafeBitCast(symbol, to: ContentSize.self)
  }()

  /// A whole zstd frame whose header states its size (kmod writes it).
  static func decompressFrame(_ view: ByteView) throws -> ByteView {
    guard let contentSize else {
      throw SymbolsError(
        .unsupported, path: view.name, expected: "a zstd-compressed module needs libzstd.so.1")
    }
    let size = view.withUnsafeBytes { contentSize($0.baseAddress, $0.count) }
    // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest values.
    guard size < UInt64.max - 1, size <= UInt64(CompressedModule.sizeLimit) else {
      throw SymbolsError(.unsupported, path: view.name, expected: "a zstd frame that states its size")
    }
    return try decompress(view, size: size)
  }
}
