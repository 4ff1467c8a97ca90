/// The ORC tables of a kernel and its modules: parallel arrays of place-relative
/// instruction addresses (`int orc_unwind_ip[]`, address = &entry + value) and
/// packed entries, sorted by address (at build time for vmlinux since 5.6, at load
/// for modules by unwind_module_init()). Entry i covers [ip_i, ip_i+1).
public struct OrcTable: Sendable {
  /// One object's table over the text it covers.
  public struct Range: Sendable {
    public var name: String
    public var text: Swift.Range<UInt64>
    var ipBase: UInt64
    var ips: [UInt8]
    var entries: [UInt8]
    public var count: Int { ips.count / 4 }

    func ip(_ index: Int) -> UInt64 {
      let raw = ips.littleEndian(4 * index, size: 4) ?? 0
      return ipBase &+ UInt64(4 * index) &+ UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: raw)))
    }
  }

  public let format: OrcFormat
  public private(set) var ranges: [Range]

  /// A million entries is several times what vmlinux has (6.1: about 300,000).
  static let maximumEntries = 4_000_000

  public init(format: OrcFormat, ranges: [Range] = []) {
    self.format = format
    self.ranges = ranges
  }

  /// A table from its bytes: `ips` read at `ipBase`, `entries` the packed entries.
  public static func range(
    name: String, text: Swift.Range<UInt64>, ipBase: UInt64, ips: [UInt8], entries: [UInt8]
  ) throws -> Range {
    let count = ips.count / 4
    guard ips.count % 4 == 0, entries.count == count * OrcFormat.entrySize, count <= maximumEntries else {
      throw KernelError(
        "ORC table of \(name)", address: ipBase,
        expected: "as many 6-byte entries as 4-byte addresses (\(ips.count) and \(entries.count) bytes)")
    }
    return Range(name: name, text: text, ipBase: ipBase, ips: ips, entries: entries)
  }

  public mutating func add(_ range: Range) { ranges.append(range) }

  /// The entry covering `pc`, nil when no table covers it.
  public func lookup(_ pc: UInt64) -> OrcEntry? {
    guard let range = ranges.first(where: { $0.text.contains(pc) }), range.count > 0 else { return nil }
    // The rightmost entry whose address is <= pc.
    var low = 0
    var high = range.count
    while low < high {
      let middle = (low + high) / 2
      if range.ip(middle) <= pc { low = middle + 1 } else { high = middle }
    }
    guard low > 0 else { return nil }
    return format.decode(range.entries, at: (low - 1) * OrcFormat.entrySize)
  }
}
