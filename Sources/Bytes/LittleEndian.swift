/// Bounds-checked little-endian field reads from a byte array, for the structures of
/// x86_64 files and memory (ELF notes, kdump headers, kernel structs). Out-of-range
/// reads return nil so callers turn them into errors that name the field.
extension Array where Element == UInt8 {
  @inlinable
  public func le<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
    let width = MemoryLayout<T>.size
    guard offset >= 0, offset <= count - width else { return nil }
    return withUnsafeBytes { raw in
      T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
  }

  @inlinable public func u8(_ offset: Int) -> UInt8? { le(UInt8.self, at: offset) }
  @inlinable public func u16(_ offset: Int) -> UInt16? { le(UInt16.self, at: offset) }
  @inlinable public func u32(_ offset: Int) -> UInt32? { le(UInt32.self, at: offset) }
  @inlinable public func u64(_ offset: Int) -> UInt64? { le(UInt64.self, at: offset) }
  @inlinable public func i32(_ offset: Int) -> Int32? { le(Int32.self, at: offset) }
  @inlinable public func i64(_ offset: Int) -> Int64? { le(Int64.self, at: offset) }

  /// Bytes `[offset, offset+length)`, or nil when out of range.
  @inlinable public func slice(_ offset: Int, _ length: Int) -> [UInt8]? {
    guard offset >= 0, length >= 0, offset <= count - length else { return nil }
    return Array(self[offset..<offset + length])
  }

  /// The bytes up to the first NUL within `[offset, offset+maxLength)`.
  @inlinable public func cString(_ offset: Int, maxLength: Int) -> [UInt8] {
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

/// The writing side, for the formats Coroner writes (kdump-compressed dumps) and
/// their fixtures.
extension Array where Element == UInt8 {
  /// Stores `value` little-endian at `offset`, growing the array with zeros when it
  /// is shorter.
  /// In place, without an array of the value's bytes, where the array holds them: the
  /// dump writer stores four fields for each of its pages' descriptors.
  @inlinable
  public mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    precondition(offset >= 0)
    let width = MemoryLayout<T>.size
    if offset <= count - width {
      withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
      return
    }
    Swift.withUnsafeBytes(of: value.littleEndian) { store(Array($0), at: offset) }
  }

  /// Stores `bytes` at `offset`, growing the array with zeros when it is shorter.
  public mutating func store(_ bytes: [UInt8], at offset: Int) {
    precondition(offset >= 0)
    if count < offset + bytes.count { self += [UInt8](repeating: 0, count: offset + bytes.count - count) }
    replaceSubrange(offset..<offset + bytes.count, with: bytes)
  }

  public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}
