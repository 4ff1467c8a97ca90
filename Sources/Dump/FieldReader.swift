import Bytes

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
