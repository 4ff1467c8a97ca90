/// Packs a deflate stream's bits, least significant first (RFC 1951 §3.1.1), 32 at a
/// time into the output. The caller has measured the stream before writing it, so the
/// output holds every byte plus the 4 of slack one last whole word may spill into.
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
  mutating func put(_ value: UInt32, _ count: Int) {
    pending |= UInt64(value) &<< UInt64(pendingBits)
    pendingBits &+= count
    if pendingBits >= 32 {
      output.storeBytes(
        of: UInt32(truncatingIfNeeded: pending).littleEndian, toByteOffset: offset, as: UInt32.self)
      offset &+= 4
      pending &>>= 32
      pendingBits &-= 32
    }
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
