import Bytes

/// zlib-format streams written by libdeflate, loaded at run time (libdeflate.h, 1.14 in
/// Debian 12): the same RFC 1950 stream `compress2` writes, so makedumpfile's, crash's and
/// drgn's `uncompress()` read its pages, made several times faster than zlib at a
/// comparable size because libdeflate compresses a whole buffer at once instead of
/// streaming. When the library is absent, `Zlib.Deflater` writes the same format.
public enum Libdeflate {
  // libdeflate_alloc_compressor(level) -> struct libdeflate_compressor *;
  // libdeflate_zlib_compress(c, in, in_nbytes, out, out_nbytes_avail) -> size_t (0: no room);
  // libdeflate_zlib_compress_bound(c, in_nbytes) -> size_t; libdeflate_free_compressor(c)
  typealias Allocate = @convention(c) (Int32) -> UnsafeMutableRawPointer?
  typealias Compress =
    @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int, UnsafeMutableRawPointer?, Int) -> Int
  typealias Bound = @convention(c) (UnsafeMutableRawPointer?, Int) -> Int
  typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void

  struct Functions: @unchecked Sendable {
    let allocate: Allocate
    let compress: Compress
    let bound: Bound
    let free: Free
  }

  public static let soname = "libdeflate.so.0"

  static let functions: Functions? = {
    guard let library = SharedLibrary([soname, "libdeflate.so"]),
      let allocate = library.function("libdeflate_alloc_compressor", as: Allocate.self),
      let compress = library.function("libdeflate_zlib_compress", as: Compress.self),
      let bound = library.function("libdeflate_zlib_compress_bound", as: Bound.self),
      let free = library.function("libdeflate_free_compressor", as: Free.self)
    else { return nil }
    return Functions(allocate: allocate, compress: compress, bound: bound, free: free)
  }()

  public static var isAvailable: Bool { functions != nil }

  /// Compresses whole buffers into zlib streams, reusing one compressor (its hash tables).
  public final class ZlibCompressor {
    private let library: Functions
    private let compressor: UnsafeMutableRawPointer
    /// libdeflate's level: 0 (stored) to 12; 1 to 9 are zlib's levels' counterparts.
    public let level: Int32

    public init(level: Int32) throws(CodecError) {
      guard let library = Libdeflate.functions else {
        throw .unavailable(codec: "zlib (libdeflate)", library: Libdeflate.soname)
      }
      guard let compressor = library.allocate(level) else {
        throw .stream(codec: "libdeflate", status: 0, offset: 0, message: "no compressor for level \(level)")
      }
      self.library = library
      self.compressor = compressor
      self.level = level
    }

    deinit { library.free(compressor) }

    /// The most a stream of `count` bytes can take.
    public func bound(_ count: Int) -> Int { library.bound(compressor, count) }

    /// One zlib stream of `count` bytes at `input` into `output`; nil when it does not
    /// fit in `capacity` bytes.
    public func compress(
      _ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer, capacity: Int
    ) -> Int? {
      let length = library.compress(compressor, input, count, output, capacity)
      return length > 0 ? length : nil
    }
  }
}
