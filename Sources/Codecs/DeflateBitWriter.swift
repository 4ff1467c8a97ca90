/// Packs a deflate stream's bits, least significant first (RFC 1951 §3.1.1), into the
/// output. The caller has measured the stream before writing it, so the output holds
/// every byte plus the 8 of slack a last whole word may spill into.
struct DeflateBitWriter {
  private let output: UnsafeMutableRawPointer
  private(set) var offset: Int
  private var pending: UInt64 = 0
  private var pendingBits = 0

  init(_ output: UnsafeMutableRawPointer, offset: Int) {
    self.output = output
    self.offset = offset
  }

  /// Appends the low `count` bits of `value` (count <= 32, the bits above it zero).
  @inline(__always)
  mutating func put(_ value: UInt32, _ count: Int) { put(wide: UInt64(value), count) }

  /// Appends the low `count` bits of `value` (count <= 56, the bits above it zero: at
  /// most 7 bits are pending before a call, and the two fit one 64-bit word). The pending
  /// bits are stored whole, 8 bytes, at every call, and the offset moves on by the bytes
  /// they fill: no branch on how many bits are pending.
  @inline(__always)
  mutating func put(wide value: UInt64, _ count: Int) {
    pending |= value &<< UInt64(truncatingIfNeeded: pendingBits)
    pendingBits &+= count
    output.storeBytes(of: pending.littleEndian, toByteOffset: offset, as: UInt64.self)
    let whole = pendingBits &>> 3
    offset &+= whole
    pending &>>= UInt64(truncatingIfNeeded: whole &* 8)
    pendingBits &= 7
  }

  /// Writes the bits still pending, the last byte padded with zeros; returns the
  /// stream's end offset.
  mutating func finish() -> Int {
    while pendingBits > 0 {
      output.storeBytes(of: UInt8(truncatingIfNeeded: pending), toByteOffset: offset, as: UInt8.self)
      offset += 1
      pending >>= 8
      pendingBits -= 8
    }
    pendingBits = 0
    return offset
  }

  /// Appends `byte` whole, after `finish`.
  mutating func putByte(_ byte: UInt8) {
    output.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
    offset += 1
  }
}
