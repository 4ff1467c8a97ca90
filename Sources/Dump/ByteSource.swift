/// Random access to the bytes of a file, bounds-checked at every read. A vmcore is
/// read through one of these: a memory-mapped file, a flattened stream seen through
/// its index, or (in tests) an in-memory buffer.
public protocol ByteSource: Sendable {
  /// The file name errors report.
  var name: String { get }
  /// Number of readable bytes.
  var size: UInt64 { get }
  /// Number of bytes the file really stores: `size` for a plain file, less for a
  /// flattened stream whose unwritten gaps read as zeros. No single read can ask for
  /// more than this, so a size taken from a header is bounded by the input.
  var heldBytes: UInt64 { get }
  /// Copies `count` bytes from `offset` into `destination` (which holds at least
  /// `count` bytes). Throws `DumpError.truncated` when the range passes the end.
  func copyBytes(at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer) throws
  /// A hint that this range will not be read again soon (a mapped file drops its
  /// pages from this process).
  func release(offset: UInt64, count: UInt64)
}

extension ByteSource {
  public func release(offset: UInt64, count: UInt64) {}

  public var heldBytes: UInt64 { size }

  /// The `count` bytes at `offset`, or `DumpError.truncated` naming what was expected.
  public func read(at offset: UInt64, count: Int, expected: String = "data") throws -> [UInt8] {
    guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
      throw DumpError.truncated(path: name, offset: offset, expected: "\(count) bytes of \(expected)")
    }
    guard UInt64(count) <= heldBytes else {
      throw DumpError.truncated(
        path: name, offset: offset,
        expected: "\(count) bytes of \(expected), more than the \(heldBytes) bytes the stream stores")
    }
    return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      try copyBytes(at: offset, count: count, into: UnsafeMutableRawBufferPointer(buffer))
      initialized = count
    }
  }

  /// True when `count` bytes at `offset` are inside the source.
  public func contains(offset: UInt64, count: UInt64) -> Bool {
    offset <= size && count <= size - offset
  }
}

/// Bytes held in memory: fixtures and decoded pages.
public struct MemoryByteSource: ByteSource {
  public let name: String
  public let bytes: [UInt8]

  public init(name: String, bytes: [UInt8]) {
    self.name = name
    self.bytes = bytes
  }

  public var size: UInt64 { UInt64(bytes.count) }

  public func copyBytes(
    at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer
  )
    throws
  {
    guard count >= 0, contains(offset: offset, count: UInt64(count)), destination.count >= count else {
      throw DumpError.truncated(path: name, offset: offset, expected: "\(count) bytes")
    }
    bytes.withUnsafeBytes { source in
      let start = Int(offset)
      destination.baseAddress?.copyMemory(
        from: source.baseAddress! + start, byteCount: count)
    }
  }
}
