import Bytes

/// xz streams through liblzma's one-call decoder (lzma_stream_buffer_decode(3)),
/// loaded at run time: `.ko.xz` modules as kmod's CONFIG_MODULE_COMPRESS_XZ writes them.
public enum Lzma {
  typealias Decode =
    @convention(c) (
      UnsafeMutablePointer<UInt64>?, UInt32, UnsafeRawPointer?, UnsafePointer<UInt8>?,
      UnsafeMutablePointer<Int>?, Int,
      UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?, Int
    ) -> Int32

  struct Functions: @unchecked Sendable { let decode: Decode }

  static let soname = "liblzma.so.5"

  static let functions: Functions? = {
    guard let library = SharedLibrary([soname, "liblzma.so"]),
      let decode = library.function("lzma_stream_buffer_decode", as: Decode.self)
    else { return nil }
    return Functions(decode: decode)
  }()

  /// Decodes a whole xz stream into `output`. Returns the bytes written, or nil when
  /// `output` is too small (LZMA_BUF_ERROR, 10, which also means a truncated input:
  /// the one-call decoder does not tell them apart, so a caller grows its buffer up to
  /// a bound and then gives up).
  public static func decode(
    _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
  ) throws(CodecError) -> Int? {
    guard let lzma = functions else { throw .unavailable(codec: "xz", library: soname) }
    var memoryLimit = UInt64.max
    var inputPosition = 0
    var outputPosition = 0
    let status = lzma.decode(
      &memoryLimit, 0, nil, input.bindMemory(to: UInt8.self).baseAddress, &inputPosition, input.count,
      output.bindMemory(to: UInt8.self).baseAddress, &outputPosition, output.count)
    // LZMA_OK (0) is the one-call decoder's success.
    if status == 0 { return outputPosition }
    if status == 10 { return nil }
    throw .stream(codec: "xz", status: Int(status), offset: inputPosition, message: "corrupt xz stream")
  }
}
