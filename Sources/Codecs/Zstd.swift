import Bytes
import CZstdParameters

/// Zstandard through libzstd, loaded at run time (zstd.h): kdump pages (makedumpfile
/// `-z`), SHF_COMPRESSED sections with `ch_type` ELFCOMPRESS_ZSTD, `.ko.zst` modules.
public enum Zstd {
  // ZSTD_decompress(dst, capacity, src, size) -> size_t; ZSTD_isError(size_t) -> unsigned;
  // ZSTD_getFrameContentSize(src, size) -> unsigned long long;
  // ZSTD_createCCtx(), ZSTD_freeCCtx(cctx), ZSTD_compressBound(size),
  // ZSTD_compressCCtx(cctx, dst, capacity, src, size, level) -> size_t;
  // ZSTD_CCtx_setParameter(cctx, param, value) -> size_t; ZSTD_compress2(cctx, dst,
  // capacity, src, size) -> size_t (the context's parameters; zstd 1.4.0 and later);
  // ZSTD_compress_advanced(cctx, dst, capacity, src, size, dict, dictSize, params), called
  // through CZstdParameters (its parameters are a struct passed by value)
  typealias Decompress = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int
  typealias IsError = @convention(c) (Int) -> UInt32
  typealias ContentSize = @convention(c) (UnsafeRawPointer?, Int) -> UInt64
  typealias CreateContext = @convention(c) () -> UnsafeMutableRawPointer?
  typealias FreeContext = @convention(c) (UnsafeMutableRawPointer?) -> Int
  typealias Bound = @convention(c) (Int) -> Int
  typealias Compress =
    @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) ->
    Int
  typealias SetParameter = @convention(c) (UnsafeMutableRawPointer?, Int32, Int32) -> Int
  typealias CompressWithParameters =
    @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int

  struct Functions: @unchecked Sendable {
    let decompress: Decompress
    let isError: IsError
    let contentSize: ContentSize
    let createContext: CreateContext
    let freeContext: FreeContext
    let bound: Bound
    let compress: Compress
    let setParameter: SetParameter?
    let compressWithParameters: CompressWithParameters?
    let compressAdvanced: UnsafeMutableRawPointer?
  }

  // zstd.h's ZSTD_cParameter values.
  static let compressionLevelParameter: Int32 = 100
  static let minimumMatchParameter: Int32 = 105
  /// ZSTD_c_literalCompressionMode (ZSTD_c_experimentalParam5, zstd 1.4.0 and later), and
  /// its ZSTD_ps_disable (ZSTD_lcm_uncompressed before zstd 1.5.1): literals stored raw.
  static let literalModeParameter: Int32 = 1002
  static let literalsRaw: Int32 = 2

  static let soname = "libzstd.so.1"

  static let functions: Functions? = {
    guard let library = SharedLibrary([soname, "libzstd.so"]),
      let decompress = library.function("ZSTD_decompress", as: Decompress.self),
      let isError = library.function("ZSTD_isError", as: IsError.self),
      let contentSize = library.function("ZSTD_getFrameContentSize", as: ContentSize.self),
      let createContext = library.function("ZSTD_createCCtx", as: CreateContext.self),
      let freeContext = library.function("ZSTD_freeCCtx", as: FreeContext.self),
      let bound = library.function("ZSTD_compressBound", as: Bound.self),
      let compress = library.function("ZSTD_compressCCtx", as: Compress.self)
    else { return nil }
    return Functions(
      decompress: decompress, isError: isError, contentSize: contentSize, createContext: createContext,
      freeContext: freeContext, bound: bound, compress: compress,
      setParameter: library.function("ZSTD_CCtx_setParameter", as: SetParameter.self),
      compressWithParameters: library.function("ZSTD_compress2", as: CompressWithParameters.self),
      compressAdvanced: library.function("ZSTD_compress_advanced", as: UnsafeMutableRawPointer.self))
  }()

  public static var isAvailable: Bool { functions != nil }

  static func library() throws(CodecError) -> Functions {
    guard let functions else { throw .unavailable(codec: "zstd", library: soname) }
    return functions
  }

  /// Decompresses one or more frames into `output`; returns the bytes written.
  public static func decompress(
    _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
  ) throws(CodecError) -> Int {
    let zstd = try library()
    let written = zstd.decompress(output.baseAddress, output.count, input.baseAddress, input.count)
    guard zstd.isError(written) == 0 else { throw .decoder(codec: "zstd", status: written) }
    return written
  }

  /// The size a frame's header states, or nil when it states none or is not a frame
  /// (ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest values).
  public static func frameContentSize(_ input: UnsafeRawBufferPointer) throws(CodecError) -> UInt64? {
    let size = try library().contentSize(input.baseAddress, input.count)
    return size < UInt64.max - 1 ? size : nil
  }

  /// Compresses blocks one at a time into single frames, reusing one context.
  public final class Compressor {
    private let zstd: Functions
    private let context: UnsafeMutableRawPointer?
    public let level: Int32
    /// Whether the context holds the level and the shortest match (ZSTD_compress2).
    private let parameterized: Bool
    /// Level 1's fast strategy with this hash table and shortest match, through
    /// ZSTD_compress_advanced: ZSTD_compress2 shrinks the table to the input's size.
    private let fast: (compress: UnsafeMutableRawPointer, hashLog: UInt32, minimumMatch: UInt32)?

    /// Whether the frames' literals are stored raw, not Huffman-coded (`rawLiterals`).
    public let literalsRaw: Bool

    /// `minimumMatch`, when given, replaces the level's shortest match (3 to 7 bytes),
    /// where the library takes parameters (zstd 1.4.0 and later). `hashLog`, at level 1
    /// where the library has ZSTD_compress_advanced (exported since zstd 1.0), sets the
    /// size of the fast strategy's hash table whatever the input's size. `rawLiterals`
    /// asks for literals stored as they are (`literalsRaw` says whether the library took
    /// it; the advanced call has no field for it, so `hashLog` is then left to the level).
    public init(
      level: Int32, minimumMatch: Int32? = nil, hashLog: Int32? = nil, rawLiterals: Bool = false
    ) throws(CodecError) {
      let zstd = try Zstd.library()
      let context = zstd.createContext()
      self.zstd = zstd
      self.context = context
      self.level = level
      let set = zstd.compressWithParameters == nil ? nil : zstd.setParameter
      func setting(_ parameter: Int32, _ value: Int32) -> Bool {
        guard let set else { return false }
        return zstd.isError(set(context, parameter, value)) == 0
      }
      if rawLiterals, setting(Zstd.compressionLevelParameter, level),
        setting(Zstd.literalModeParameter, Zstd.literalsRaw)
      {
        // Through ZSTD_compress2, which reads the context's parameters; the shortest
        // match is best effort, the literals are what was asked.
        literalsRaw = true
        parameterized = true
        fast = nil
        if let minimumMatch { _ = setting(Zstd.minimumMatchParameter, minimumMatch) }
        return
      }
      literalsRaw = false
      if level == 1, let hashLog, (6...26).contains(hashLog), let advanced = zstd.compressAdvanced {
        fast = (advanced, UInt32(hashLog), UInt32(min(7, max(3, minimumMatch ?? 4))))
      } else {
        fast = nil
      }
      if let minimumMatch, setting(Zstd.compressionLevelParameter, level),
        setting(Zstd.minimumMatchParameter, minimumMatch)
      {
        parameterized = true
      } else {
        parameterized = false
      }
    }

    deinit { _ = zstd.freeContext(context) }

    /// The most a frame of `count` bytes can take.
    public func bound(_ count: Int) -> Int { zstd.bound(count) }

    /// One frame of `count` bytes at `input` into `output`; nil when it fails.
    public func compress(
      _ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer, capacity: Int
    ) -> Int? {
      let length: Int
      if let fast {
        // The window is the input's size, as ZSTD_compress2 sizes it (at least 1 KiB).
        let window = UInt32(max(10, Int.bitWidth - max(0, count - 1).leadingZeroBitCount))
        length = czstd_compress_fast(
          fast.compress, context, output, capacity, input, count, window, fast.hashLog, fast.minimumMatch)
      } else if parameterized {
        length = zstd.compressWithParameters!(context, output, capacity, input, count)
      } else {
        length = zstd.compress(context, output, capacity, input, count, level)
      }
      return zstd.isError(length) == 0 ? length : nil
    }
  }
}
