import Bytes

/// Snappy through libsnappy's C API, loaded at run time (snappy-c.h): kdump pages that
/// makedumpfile `-p` wrote.
public enum Snappy {
  // snappy_uncompress / snappy_compress(src, len, dst, &dst_len) -> snappy_status
  // (SNAPPY_OK = 0); snappy_max_compressed_length(len)
  typealias Call =
    @convention(c) (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?) ->
    Int32
  typealias Bound = @convention(c) (Int) -> Int

  struct Functions: @unchecked Sendable {
    let uncompress: Call
    let compress: Call
    let bound: Bound
  }

  static let soname = "libsnappy.so.1"

  static let functions: Functions? = {
    guard let library = SharedLibrary([soname]),
      let uncompress = library.function("snappy_uncompress", as: Call.self),
      let compress = library.function("snappy_compress", as: Call.self),
      let bound = library.function("snappy_max_compressed_length", as: Bound.self)
    else { return nil }
    return Functions(uncompress: uncompress, compress: compress, bound: bound)
  }()

  static func library() throws(CodecError) -> Functions {
    guard let functions else { throw .unavailable(codec: "snappy", library: soname) }
    return functions
  }

  /// Decompresses `input` into `output`; returns the bytes written.
  public static func uncompress(
    _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
  ) throws(CodecError) -> Int {
    let snappy = try library()
    var length = output.count
    let status = snappy.uncompress(
      input.bindMemory(to: CChar.self).baseAddress, input.count,
      output.bindMemory(to: CChar.self).baseAddress,
      &length)
    guard status == 0 else { throw .decoder(codec: "snappy", status: Int(status)) }
    return length
  }

  /// The most snappy can expand `count` bytes to.
  public static func bound(_ count: Int) throws(CodecError) -> Int { try library().bound(count) }

  /// Compresses `count` bytes at `input` into `output` (`capacity` bytes); nil when it fails.
  public static func compress(
    _ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer, capacity: Int
  ) throws(CodecError) -> Int? {
    let snappy = try library()
    var length = capacity
    let status = snappy.compress(
      input.assumingMemoryBound(to: CChar.self), count, output.assumingMemoryBound(to: CChar.self), &length)
    return status == 0 ? length : nil
  }
}
