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
  /// The physical ranges of RAM the dumped machine had, whether or not the dump holds
  /// their bytes (an ELF vmcore's PT_LOAD memory sizes): a dump writer's first bitmap.
  var memoryRanges: [Range<UInt64>] { get }
  /// The physical ranges the dump's headers say it holds data for, including what a
  /// truncated file has lost: the pages a dump writer must account for.
  var promisedRanges: [Range<UInt64>] { get }
  /// Copies `count` consecutive pages starting at frame `pfn` into `destination`
  /// (`count` pages long). Pages that cannot be read are left zero and their indexes
  /// (0 for `pfn`) returned: a copy goes on past them.
  func copyPages(_ pfn: UInt64, count: Int, into destination: UnsafeMutableRawPointer) -> [Int]
  /// The page frames whose bytes lie in the given pages of the dump file (offsets
  /// divided by `filePageSize`): empty for a dump that stores pages compressed.
  func frames(inFilePages filePages: Set<UInt64>, filePageSize: UInt64) -> [UInt64]
}

extension PhysicalMemory {
  public func release(_ range: Range<UInt64>) {}

  public var memoryRanges: [Range<UInt64>] { presentRanges }

  public var promisedRanges: [Range<UInt64>] { presentRanges }

  public func frames(inFilePages filePages: Set<UInt64>, filePageSize: UInt64) -> [UInt64] { [] }

  /// Page by page through `readPhysical`.
  public func copyPages(_ pfn: UInt64, count: Int, into destination: UnsafeMutableRawPointer) -> [Int] {
    var unreadable: [Int] = []
    for index in 0..<count {
      let target = destination + index * pageSize
      if let page = try? readPhysical((pfn + UInt64(index)) * UInt64(pageSize), count: pageSize) {
        page.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: pageSize) }
      } else {
        target.initializeMemory(as: UInt8.self, repeating: 0, count: pageSize)
        unreadable.append(index)
      }
    }
    return unreadable
  }
}

extension PhysicalMemory {
  /// Reads `count` bytes at `address` one page at a time: `piece(pfn, address, within,
  /// take)` gives the `take` bytes at offset `within` of frame `pfn` (at `address`).
  func readByPage(
    _ address: UInt64, count: Int,
    _ piece: (_ pfn: UInt64, _ address: UInt64, _ within: Int, _ take: Int) throws -> ArraySlice<UInt8>
  ) rethrows -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(count)
    let size = UInt64(pageSize)
    var current = address
    while result.count < count {
      let within = Int(current % size)
      let take = min(count - result.count, pageSize - within)
      result += try piece(current / size, current, within, take)
      current &+= UInt64(take)
    }
    return result
  }

  /// A little-endian 64-bit value at a physical address.
  func physicalU64(_ address: UInt64) throws -> UInt64 {
    let bytes = try readPhysical(address, count: 8)
    return bytes.u64(0) ?? 0
  }
}
