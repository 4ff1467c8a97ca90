import Bytes

/// The memory of the dead machine by physical address, whatever the file format.
public protocol PhysicalMemory: Sendable {
  /// Page size of the dumped machine.
  var pageSize: Int { get }
  /// One past the highest physical address the dump describes.
  var physicalEnd: UInt64 { get }
  /// Copies `count` bytes at physical address `address`. Throws
  /// `physicalNotInDump`, `pageExcluded`, `pageMissing` or `badPage` naming the
  /// first address that could not be read.
  func readPhysical(_ address: UInt64, count: Int) throws -> [UInt8]
  /// The physical ranges that hold data in the dump, ascending, for scans.
  var presentRanges: [Range<UInt64>] { get }
  /// A hint that the pages of this physical range will not be read again soon.
  func release(_ range: Range<UInt64>)
}

extension PhysicalMemory {
  public func release(_ range: Range<UInt64>) {}
}

extension PhysicalMemory {
  /// A little-endian 64-bit value at a physical address.
  func physicalU64(_ address: UInt64) throws -> UInt64 {
    let bytes = try readPhysical(address, count: 8)
    return bytes.u64(0) ?? 0
  }
}
