/// A reading position in a `ByteView`: fixed-size integers, LEB128 and strings, each
/// read bounds-checked and throwing with the view's name and offset.
public struct ByteCursor {
  public let view: ByteView
  public var offset: Int

  public init(_ view: ByteView, at offset: Int = 0) {
    self.view = view
    self.offset = offset
  }

  public var isAtEnd: Bool { offset >= view.count }
  public var remaining: Int { max(view.count - offset, 0) }

  @inlinable
  public mutating func u8() throws -> UInt8 {
    let value = try view.load(offset, as: UInt8.self)
    offset += 1
    return value
  }

  @inlinable
  public mutating func u16() throws -> UInt16 {
    let value = try view.load(offset, as: UInt16.self)
    offset += 2
    return value
  }

  @inlinable
  public mutating func u32() throws -> UInt32 {
    let value = try view.load(offset, as: UInt32.self)
    offset += 4
    return value
  }

  @inlinable
  public mutating func u64() throws -> UInt64 {
    let value = try view.load(offset, as: UInt64.self)
    offset += 8
    return value
  }

  /// A 3-byte little-endian value (DW_FORM_strx3, DW_FORM_addrx3).
  @inlinable
  public mutating func u24() throws -> UInt64 {
    let low = UInt64(try u16())
    return low | UInt64(try u8()) << 16
  }

  /// An unsigned value of `size` bytes (1, 2, 4 or 8): addresses and offsets.
  @inlinable
  public mutating func unsigned(size: Int) throws -> UInt64 {
    switch size {
    case 1: return UInt64(try u8())
    case 2: return UInt64(try u16())
    case 4: return UInt64(try u32())
    case 8: return try u64()
    default:
      throw BytesError(
        .malformed, path: view.name, offset: UInt64(offset), expected: "a size of 1, 2, 4 or 8")
    }
  }

  @inlinable
  public mutating func uleb() throws -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let byte = try u8()
      if shift < 64 { result |= UInt64(byte & 0x7f) << shift }
      if byte & 0x80 == 0 { return result }
      shift += 7
    }
  }

  @inlinable
  public mutating func sleb() throws -> Int64 {
    var result: Int64 = 0
    var shift: Int64 = 0
    var byte: UInt8 = 0
    repeat {
      byte = try u8()
      if shift < 64 { result |= Int64(byte & 0x7f) << shift }
      shift += 7
    } while byte & 0x80 != 0
    if shift < 64, byte & 0x40 != 0 { result |= -(Int64(1) << shift) }
    return result
  }

  public mutating func cString() throws -> String {
    let text = try view.cString(at: offset)
    offset += text.utf8.count + 1
    return text
  }

  /// Skips a NUL-terminated string, returning where it started.
  public mutating func skipCString() throws -> Int {
    let start = offset
    offset += try view.cStringLength(at: offset) + 1
    return start
  }

  @inlinable
  public mutating func skip(_ count: UInt64) throws {
    guard count <= UInt64(remaining) else {
      throw BytesError(.truncated, path: view.name, offset: UInt64(offset), expected: "\(count) more bytes")
    }
    offset += Int(count)
  }

  public func error(_ expected: String, _ kind: BytesError.Kind = .malformed) -> BytesError {
    BytesError(kind, path: view.name, offset: UInt64(max(offset, 0)), expected: expected)
  }
}
