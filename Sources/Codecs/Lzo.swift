import Bytes

/// LZO1X through liblzo2, loaded at run time (lzo/lzo1x.h): kdump pages that
/// makedumpfile `-l` wrote with lzo1x_1_compress.
public enum Lzo {
  // lzo1x_decompress_safe / lzo1x_1_compress(src, src_len, dst, &dst_len, wrkmem) -> int
  // (LZO_E_OK = 0)
  typealias Call =
    @convention(c) (
      UnsafePointer<UInt8>?, UInt, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?,
      UnsafeMutableRawPointer?
    ) -> Int32

  struct Functions: @unchecked Sendable {
    let decompress: Call
    let compress: Call
  }

  static let soname = "liblzo2.so.2"

  static let functions: Functions? = {
    guard let library = SharedLibrary([soname]),
      let decompress = library.function("lzo1x_decompress_safe", as: Call.self),
      let compress = library.function("lzo1x_1_compress", as: Call.self)
    else { return nil }
    return Functions(decompress: decompress, compress: compress)
  }()

  static func library() throws(CodecError) -> Functions {
    guard let functions else { throw .unavailable(codec: "lzo", library: soname) }
    return functions
  }

  /// Decompresses `input` into `output`, never writing past it; returns the bytes written.
  public static func decompress(
    _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
  ) throws(CodecError) -> Int {
    let lzo = try library()
    var length = UInt(output.count)
    let status = lzo.decompress(
      input.bindMemory(to: UInt8.self).baseAddress, UInt(input.count),
      output.bindMemory(to: UInt8.self).baseAddress,
      &length, nil)
    guard status == 0 else { throw .decoder(codec: "lzo", status: Int(status)) }
    return Int(length)
  }

  /// LZO1X-1 with its work memory (LZO1X_1_MEM_COMPRESS: 16384 dictionary entries of
  /// at most 8 bytes), allocated once.
  public final class Compressor {
    private let lzo: Functions
    private let work = UnsafeMutableRawPointer.allocate(byteCount: 16384 * 8, alignment: 16)

    public init() throws(CodecError) {
      do { lzo = try Lzo.library() } catch {
        work.deallocate()
        throw error
      }
    }

    deinit { work.deallocate() }

    /// The most LZO1X can expand `count` bytes to (lzo1x.h's worst case).
    public func bound(_ count: Int) -> Int { count + count / 16 + 64 + 3 }

    public func compress(_ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer) -> Int?
    {
      var length: UInt = 0
      let status = lzo.compress(
        input.assumingMemoryBound(to: UInt8.self), UInt(count), output.assumingMemoryBound(to: UInt8.self),
        &length, work)
      return status == 0 ? Int(length) : nil
    }
  }
}
