/// /proc/iomem: the physical address map, one resource a line, children indented by two
/// spaces (kernel/resource.c, `r_show`). Addresses read as zero without CAP_SYS_ADMIN.
public struct IoMem: Sendable, Equatable {
  public struct Resource: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    public var name: String
    public var depth: Int

    /// Bytes covered; the end is inclusive.
    public var size: UInt64 { end >= start ? end - start + 1 : 0 }
  }

  public var resources: [Resource]

  public init(parsing text: String) {
    resources = text.split(separator: "\n").compactMap { line in
      let indent = line.prefix(while: { $0 == " " }).count
      let body = line.dropFirst(indent)
      guard let colon = body.firstRange(of: " : "),
        let dash = body[..<colon.lowerBound].firstIndex(of: "-"),
        let start = UInt64(body[..<dash], radix: 16),
        let end = UInt64(body[body.index(after: dash)..<colon.lowerBound], radix: 16)
      else { return nil }
      return Resource(start: start, end: end, name: String(body[colon.upperBound...]), depth: indent / 2)
    }
  }

  /// "Crash kernel" reservations; two with `crashkernel=X,high` (the high region and the
  /// low one below 4 GiB), kernel/crash_reserve.c.
  public var crashKernel: [Resource] { resources.filter { $0.name == "Crash kernel" } }

  /// Whether the addresses are real (root) or zeroed (an unprivileged reader).
  public var addressesVisible: Bool { resources.contains { $0.end != 0 } }

  /// Total top-level "System RAM", close to what `crashkernel=` ranges are matched
  /// against (`memblock_phys_mem_size()`); nil when addresses are hidden.
  public var systemRAM: UInt64? {
    guard addressesVisible else { return nil }
    let total = resources.filter { $0.depth == 0 && $0.name == "System RAM" }.reduce(0) { $0 + $1.size }
    return total > 0 ? total : nil
  }
}
