/// The VMCOREINFO text a kernel leaves for dump readers: `KEY=VALUE` lines written
/// by the macros of include/linux/crash_core.h (vmcore-format.md §3.1). Every key is
/// kept; typed accessors parse values in the base the kernel writes them.
public struct VmcoreInfo: Sendable, Equatable {
  /// The text as found (trailing NULs removed).
  public let raw: String
  /// Every key in first-seen order with its last value (later duplicates override).
  public let entries: [(key: String, value: String)]
  private let index: [String: String]

  public static func == (lhs: VmcoreInfo, rhs: VmcoreInfo) -> Bool { lhs.raw == rhs.raw }

  public init(text bytes: [UInt8]) {
    let trimmed = bytes.prefix { $0 != 0 }
    raw = String(decoding: trimmed, as: UTF8.self)
    var order: [String] = []
    var index: [String: String] = [:]
    for line in raw.split(separator: "\n", omittingEmptySubsequences: true) {
      guard let equals = line.firstIndex(of: "=") else { continue }
      let key = String(line[..<equals])
      let value = String(line[line.index(after: equals)...])
      if index[key] == nil { order.append(key) }
      index[key] = value
    }
    self.index = index
    entries = order.map { ($0, index[$0]!) }
  }

  public init(text: String) { self.init(text: Array(text.utf8)) }

  public subscript(key: String) -> String? { index[key] }

  /// `SYMBOL(name)=%lx`: a runtime virtual address, hex without 0x.
  public func symbol(_ name: String) -> UInt64? { index["SYMBOL(\(name))"].flatMap { UInt64($0, radix: 16) } }
  /// `SIZE(name)=%lu`.
  public func size(_ name: String) -> UInt64? { index["SIZE(\(name))"].flatMap { UInt64($0) } }
  /// `OFFSET(struct.field)=%lu`.
  public func offset(_ name: String) -> UInt64? { index["OFFSET(\(name))"].flatMap { UInt64($0) } }
  /// `LENGTH(name)=%lu`.
  public func length(_ name: String) -> UInt64? { index["LENGTH(\(name))"].flatMap { UInt64($0) } }
  /// `NUMBER(name)=%ld`, or `0x…` where arch code prints hex: automatic base.
  public func number(_ name: String) -> Int64? { index["NUMBER(\(name))"].flatMap(Self.parseNumber) }

  public var osRelease: String? { index["OSRELEASE"] }
  public var pageSize: Int? { index["PAGESIZE"].flatMap { Int($0) } }
  public var buildID: String? { index["BUILD-ID"] }
  /// `KERNELOFFSET=%lx`: the KASLR slide of the kernel text.
  public var kernelOffset: UInt64? { index["KERNELOFFSET"].flatMap { UInt64($0, radix: 16) } }
  /// `CRASHTIME=%lld`: seconds since the epoch, when the kernel crashed through kexec.
  public var crashTime: Int64? { index["CRASHTIME"].flatMap { Int64($0) } }

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
