import Glibc

/// `makedumpfile -R`: rebuilds a dump from makedumpfile's flattened stream read from a
/// pipe (what `makedumpfile -F` sends over SSH). The stream is a 4096-byte header
/// (`makedumpfile\0\0\0\0`, then type 1 and version 1 as big-endian 64-bit numbers),
/// then records of a 16-byte big-endian header (offset, size) and `size` bytes to write at
/// `offset`, ended by a header of two -1 (makedumpfile.h: struct makedumpfile_header,
/// struct makedumpfile_data_header, END_FLAG_FLAT_HEADER).
public enum FlattenedRearrange {
  /// A stream that is not makedumpfile's flattened format, or is cut short.
  public struct FlattenedStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var offset: UInt64
    public var expected: String
    public var description: String { "\(path): offset \(offset): expected \(expected)" }
  }

  public struct Result: Equatable, Sendable {
    public var records: Int
    public var bytes: UInt64
  }

  static let signature: [UInt8] = Array("makedumpfile".utf8) + [0, 0, 0, 0]
  static let headerSize = 4096
  /// Payloads are copied through a buffer of this size, whatever a record claims.
  static let chunk = 1 << 20

  /// Reads the stream from `descriptor` (named `name` in errors) into `output`.
  public static func run(from descriptor: Int32, name: String, into output: DumpOutput) throws -> Result {
    var position: UInt64 = 0
    var header = [UInt8](repeating: 0, count: headerSize)
    try readExactly(descriptor, &header, count: headerSize, name: name, at: &position)
    guard Array(header[0..<16]) == signature, bigEndian(header, 16) == 1 else {
      throw FlattenedStreamError(
        path: name, offset: 0, expected: "makedumpfile's flattened header (makedumpfile\\0\\0\\0\\0, type 1)")
    }
    var result = Result(records: 0, bytes: 0)
    var buffer = [UInt8](repeating: 0, count: chunk)
    var recordHeader = [UInt8](repeating: 0, count: 16)
    while true {
      let at = position
      try readExactly(descriptor, &recordHeader, count: 16, name: name, at: &position)
      let offset = bigEndian(recordHeader, 0)
      let size = bigEndian(recordHeader, 8)
      if offset == UInt64.max && size == UInt64.max { return result }
      guard offset < 1 << 62, size < 1 << 40 else {
        throw FlattenedStreamError(
          path: name, offset: at,
          expected: "a record of non-negative offset and size, found \(offset), \(size)")
      }
      var done: UInt64 = 0
      while done < size {
        let count = Int(min(UInt64(chunk), size - done))
        try readExactly(descriptor, &buffer, count: count, name: name, at: &position)
        try buffer.withUnsafeBytes {
          try output.write(UnsafeRawBufferPointer(rebasing: $0[..<count]), at: offset + done)
        }
        done += UInt64(count)
      }
      result.records += 1
      result.bytes += size
    }
  }

  static func bigEndian(_ bytes: [UInt8], _ at: Int) -> UInt64 {
    bytes[at..<(at + 8)].reduce(0) { $0 << 8 | UInt64($1) }
  }

  static func readExactly(
    _ descriptor: Int32, _ buffer: inout [UInt8], count: Int, name: String, at position: inout UInt64
  ) throws {
    var done = 0
    while done < count {
      let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + done, count - done) }
      if got < 0 && errno == EINTR { continue }
      if got < 0 { throw CaptureError.read(path: name, errno: errno) }
      guard got > 0 else {
        throw FlattenedStreamError(
          path: name, offset: position,
          expected: "\(count - done) more bytes: the stream ends before its end record")
      }
      done += got
      position += UInt64(got)
    }
  }
}
