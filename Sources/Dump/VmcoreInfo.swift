/// The VMCOREINFO text a kernel leaves for dump readers: `KEY=VALUE` lines written
/// by the macros of include/linux/crash_core.h (vmcore-format.md §3.1). Every key is
/// kept; typed accessors parse values in the base the kernel writes them.
public struct VmcoreInfo: Sendable, Equatable {
  /// The text as found (trailing NULs removed).
  public let raw: String
  /// Every key in first-seen order with its last value (later duplicates override).
  public let entries: [(key: String, value: String)]
  /// An open-addressing table of positions in `entries` plus one (zero: empty), by
  /// the FNV-1a hash of the key's bytes. Not a Dictionary: building one makes the Swift
  /// runtime look `String: Hashable` up through every conformance record of the binary,
  /// which in a short command such as `coroner dmesg` costs more than reading the log.
  private let slots: [Int32]

  public static func == (lhs: VmcoreInfo, rhs: VmcoreInfo) -> Bool { lhs.raw == rhs.raw }

  public init(text bytes: [UInt8]) {
    let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
    raw = String(decoding: bytes[..<end], as: UTF8.self)
    var lines = 1
    for byte in bytes[..<end] where byte == UInt8(ascii: "\n") { lines += 1 }
    var capacity = 16
    while capacity < 2 * lines { capacity *= 2 }
    var slots = [Int32](repeating: 0, count: capacity)
    var entries: [(key: String, value: String)] = []
    var lineStart = 0
    while lineStart < end {
      var lineEnd = lineStart
      var equals = -1
      while lineEnd < end, bytes[lineEnd] != UInt8(ascii: "\n") {
        if equals < 0, bytes[lineEnd] == UInt8(ascii: "=") { equals = lineEnd }
        lineEnd += 1
      }
      // A line without `=` is not an entry.
      if equals >= 0 {
        let key = String(decoding: bytes[lineStart..<equals], as: UTF8.self)
        let value = String(decoding: bytes[(equals + 1)..<lineEnd], as: UTF8.self)
        let slot = Self.slot(of: key, in: slots, entries: entries)
        if slots[slot] == 0 {
          entries.append((key, value))
          slots[slot] = Int32(entries.count)
        } else {
          entries[Int(slots[slot]) - 1].value = value
        }
      }
      lineStart = lineEnd + 1
    }
    self.entries = entries
    self.slots = slots
  }

  public init(text: String) { self.init(text: Array(text.utf8)) }

  public subscript(key: String) -> String? {
    let position = slots[Self.slot(of: key, in: slots, entries: entries)]
    return position == 0 ? nil : entries[Int(position) - 1].value
  }

  /// The slot that holds `key`, or the empty one where it would go (linear probing; the
  /// table is never more than half full).
  private static func slot(of key: String, in slots: [Int32], entries: [(key: String, value: String)]) -> Int
  {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while slots[slot] != 0, entries[Int(slots[slot]) - 1].key != key { slot = (slot + 1) & mask }
    return slot
  }

  /// `SYMBOL(name)=%lx`: a runtime virtual address, hex without 0x.
  public func symbol(_ name: String) -> UInt64? { self["SYMBOL(\(name))"].flatMap { UInt64($0, radix: 16) } }
  /// `SIZE(name)=%lu`.
  public func size(_ name: String) -> UInt64? { self["SIZE(\(name))"].flatMap { UInt64($0) } }
  /// `OFFSET(struct.field)=%lu`.
  public func offset(_ name: String) -> UInt64? { self["OFFSET(\(name))"].flatMap { UInt64($0) } }
  /// `LENGTH(name)=%lu`.
  public func length(_ name: String) -> UInt64? { self["LENGTH(\(name))"].flatMap { UInt64($0) } }
  /// `NUMBER(name)=%ld`, or `0x…` where arch code prints hex: automatic base.
  public func number(_ name: String) -> Int64? { self["NUMBER(\(name))"].flatMap(Self.parseNumber) }

  public var osRelease: String? { self["OSRELEASE"] }
  public var pageSize: Int? { self["PAGESIZE"].flatMap { Int($0) } }
  public var buildID: String? { self["BUILD-ID"] }
  /// `KERNELOFFSET=%lx`: the KASLR slide of the kernel text.
  public var kernelOffset: UInt64? { self["KERNELOFFSET"].flatMap { UInt64($0, radix: 16) } }
  /// `CRASHTIME=%lld`: seconds since the epoch, when the kernel crashed through kexec.
  public var crashTime: Int64? { self["CRASHTIME"].flatMap { Int64($0) } }

  /// Parses a signed decimal or `0x` hexadecimal number, with an optional minus.
  static func parseNumber(_ text: String) -> Int64? {
    var body = Substring(text)
    var negative = false
    if body.hasPrefix("-") {
      negative = true
      body = body.dropFirst()
    }
    let magnitude: UInt64?
    if body.hasPrefix("0x") || body.hasPrefix("0X") {
      magnitude = UInt64(body.dropFirst(2), radix: 16)
    } else {
      magnitude = UInt64(body)
    }
    guard let magnitude else { return nil }
    let value = Int64(bitPattern: magnitude)
    return negative ? 0 &- value : value
  }

  /// The value of a key the caller cannot do without.
  func require<T>(_ value: T?, _ key: String) throws -> T {
    guard let value else { throw DumpError.missingVmcoreInfo(key: key) }
    return value
  }
  func requireSymbol(_ name: String) throws -> UInt64 { try require(symbol(name), "SYMBOL(\(name))") }
  func requireSize(_ name: String) throws -> Int {
    try small(require(size(name), "SIZE(\(name))"), "SIZE(\(name))")
  }
  func requireOffset(_ name: String) throws -> Int {
    try small(require(offset(name), "OFFSET(\(name))"), "OFFSET(\(name))")
  }

  /// Struct sizes and offsets are small; a huge one is corrupt data, not a trap.
  func small(_ value: UInt64, _ key: String) throws -> Int {
    guard value <= Self.largestStructure else {
      throw DumpError.corruptKernelData(
        structure: "VMCOREINFO", address: 0, reason: "\(key)=\(value) is too large")
    }
    return Int(value)
  }

  /// Bounds a struct size or offset may not pass (1 MiB).
  static let largestStructure: UInt64 = 1 << 20
}
