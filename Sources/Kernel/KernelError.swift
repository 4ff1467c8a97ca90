/// Why a kernel object could not be read: what was being read (a symbol, a field
/// path, a list), the kernel address where reading stopped, and what was expected.
public struct KernelError: Error, Sendable, Equatable, CustomStringConvertible {
  public var what: String
  public var address: UInt64?
  public var expected: String

  public init(_ what: String, address: UInt64? = nil, expected: String) {
    self.what = what
    self.address = address
    self.expected = expected
  }

  public var description: String {
    let place = address.map { "\(what) at 0x\(String($0, radix: 16))" } ?? what
    return "\(place): expected \(expected)"
  }
}

/// Little-endian integers out of a byte array read from kernel memory; nil past the end.
extension Array where Element == UInt8 {
  func littleEndian(_ offset: Int, size: Int) -> UInt64? {
    guard offset >= 0, size > 0, size <= 8, offset <= count - size else { return nil }
    var value: UInt64 = 0
    for index in (0..<size).reversed() { value = value << 8 | UInt64(self[offset + index]) }
    return value
  }

  func word(_ offset: Int) -> UInt64? { littleEndian(offset, size: 8) }
}
