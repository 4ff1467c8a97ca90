/// Bounds-checked little-endian field reads from a byte array, for the structures of
/// x86_64 dumps (ELF notes, kdump headers, kernel structs). Out-of-range reads return
/// nil so callers turn them into errors that name the field.
extension Array where Element == UInt8 {
  @inline(__always)
  func le<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
    let width = MemoryLayout<T>.size
    guard offset >= 0, offset <= count - width else { return nil }
    return withUnsafeBytes { raw in
      T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
  }

  func u8(_ offset: Int) -> UInt8? { le(UInt8.self, at: offset) }
  func u16(_ offset: Int) -> UInt16? { le(UInt16.self, at: offset) }
  func u32(_ offset: Int) -> UInt32? { le(UInt32.self, at: offset) }
  func u64(_ offset: Int) -> UInt64? { le(UInt64.self, at: offset) }
  func i32(_ offset: Int) -> Int32? { le(Int32.self, at: offset) }
  func i64(_ offset: Int) -> Int64? { le(Int64.self, at: offset) }

  /// Bytes `[offset, offset+length)`, or nil when out of range.
  func slice(_ offset: Int, _ length: Int) -> [UInt8]? {
    guard offset >= 0, length >= 0, offset <= count - length else { return nil }
    return Array(self[offset..<offset + length])
  }

  /// The bytes up to the first NUL within `[offset, offset+maxLength)`.
  func cString(_ offset: Int, maxLength: Int) -> [UInt8] {
    guard offset >= 0, offset < count else { return [] }
    let end = Swift.min(count, offset + Swift.max(0, maxLength))
    var result: [UInt8] = []
    for index in offset..<end {
      if self[index] == 0 { break }
      result.append(self[index])
    }
    return result
  }
}

/// Reads fields of one structure, turning a short buffer into an error that names
/// the structure, the file offset and the field.
struct FieldReader {
  let bytes: [UInt8]
  let path: String
  let fileOffset: UInt64
  let structure: String

  func u16(_ offset: Int, _ field: String) throws -> UInt16 {
    try value(bytes.u16(offset), offset, field)
  }
  func u32(_ offset: Int, _ field: String) throws -> UInt32 {
    try value(bytes.u32(offset), offset, field)
  }
  func i32(_ offset: Int, _ field: String) throws -> Int32 {
    try value(bytes.i32(offset), offset, field)
  }
  func u64(_ offset: Int, _ field: String) throws -> UInt64 {
    try value(bytes.u64(offset), offset, field)
  }
  func i64(_ offset: Int, _ field: String) throws -> Int64 {
    try value(bytes.i64(offset), offset, field)
  }

  private func value<T>(_ read: T?, _ offset: Int, _ field: String) throws -> T {
    guard let read else {
      throw DumpError.truncated(
        path: path, offset: fileOffset &+ UInt64(max(0, offset)), expected: "\(structure).\(field)")
    }
    return read
  }
}
