/// A dump written as several files by `makedumpfile --split`: each file is a whole
/// kdump-compressed dump for its own range of page frames (`start_pfn_64` to
/// `end_pfn_64`; vmcore-format.md §2.7). Reads go to the file that holds the frame.
public struct SplitDump: PhysicalMemory {
  public let parts: [KdumpCompressedDump]

  /// The parts in any order; they must share a page size and not overlap.
  public init(parts: [KdumpCompressedDump]) throws {
    let sorted = parts.sorted { $0.pfnRange.lowerBound < $1.pfnRange.lowerBound }
    guard let first = sorted.first else { throw DumpError.unknownFormat(path: "(no files)") }
    for (left, right) in zip(sorted, sorted.dropFirst()) {
      guard right.pageSize == first.pageSize, left.pfnRange.upperBound <= right.pfnRange.lowerBound else {
        throw DumpError.badField(
          path: right.source.name, offset: UInt64(right.header.blockSize) + 80,
          field: "start_pfn_64",
          expected:
            "a part that does not overlap \(left.source.name) (\(left.pfnRange)) with the same page size")
      }
    }
    self.parts = sorted
  }

  public var pageSize: Int { parts[0].pageSize }
  public var physicalEnd: UInt64 { parts.map(\.physicalEnd).max() ?? 0 }
  public var presentRanges: [Range<UInt64>] { parts.flatMap(\.presentRanges) }

  /// The part whose range holds `pfn`.
  func part(for pfn: UInt64) -> KdumpCompressedDump? {
    parts.last { $0.pfnRange.lowerBound <= pfn && pfn < $0.pfnRange.upperBound }
  }

  public func readPhysical(_ address: UInt64, count: Int) throws -> [UInt8] {
    try readByPage(address, count: count) { pfn, current, _, take in
      guard let part = part(for: pfn) else { throw DumpError.physicalNotInDump(address: current) }
      return try part.readPhysical(current, count: take)[...]
    }
  }
}
