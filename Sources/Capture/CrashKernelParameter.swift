/// The `crashkernel=` boot parameter: how much memory the running kernel sets aside
/// for the capture kernel. Follows `parse_crashkernel()` (kernel/crash_reserve.c,
/// kernel/crash_core.c before 6.9) and Documentation/admin-guide/kdump/kdump.rst.
///
/// Forms:
/// - `size[KMG][@offset[KMG]]`
/// - `range1:size1[,range2:size2,...][@offset]`, each range `start-[end]`
/// - `size[KMG],high` and `size[KMG],low` (memory above or below 4 GiB)
/// - `size[KMG],cma` (6.17 and later: extra memory from CMA)
public struct CrashKernelParameter: Sendable, Equatable {
  /// Which region a value asks for; one command line may carry several.
  public enum Region: String, Sendable, Equatable {
    case any, high, low, cma
  }

  /// A memory range of the `range:size` form; `end` nil means no upper bound.
  public struct SizeRange: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64?
    public var size: UInt64
  }

  public enum Amount: Sendable, Equatable {
    case fixed(UInt64)
    case ranges([SizeRange])
  }

  public var amount: Amount
  public var offset: UInt64?
  public var region: Region
  /// The text after `crashkernel=`, as written.
  public var source: String

  public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var value: String
    public var expected: String
    public var description: String { "crashkernel=\(value): expected \(expected)" }
  }

  /// Parses one value (the text after `crashkernel=`).
  public init(parsing value: String) throws {
    source = value
    var body = Substring(value)
    region = .any
    for suffix in [Region.high, .low, .cma] where body.hasSuffix("," + suffix.rawValue) {
      region = suffix
      body = body.dropLast(suffix.rawValue.count + 1)
    }
    offset = nil
    if let at = body.firstIndex(of: "@") {
      offset = try Self.memory(body[body.index(after: at)...], in: value)
      body = body[..<at]
    }
    if body.contains(":") {
      var ranges: [SizeRange] = []
      for entry in body.split(separator: ",", omittingEmptySubsequences: false) {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let dash = parts[0].firstIndex(of: "-") else {
          throw ParseError(value: value, expected: "'start-[end]:size' in '\(entry)'")
        }
        let start = try Self.memory(parts[0][..<dash], in: value)
        let endText = parts[0][parts[0].index(after: dash)...]
        let end = endText.isEmpty ? nil : try Self.memory(endText, in: value)
        if let end, end <= start {
          throw ParseError(value: value, expected: "a range whose end is above its start")
        }
        ranges.append(SizeRange(start: start, end: end, size: try Self.memory(parts[1], in: value)))
      }
      amount = .ranges(ranges)
    } else {
      amount = .fixed(try Self.memory(body, in: value))
    }
  }

  /// Every `crashkernel=` value on a kernel command line, in order.
  public static func all(inCommandLine commandLine: String) throws -> [CrashKernelParameter] {
    try commandLine.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
      .filter { $0.hasPrefix("crashkernel=") }
      .map { try CrashKernelParameter(parsing: String($0.dropFirst("crashkernel=".count))) }
  }

  /// The size the kernel reserves on a machine with `systemRAM` bytes: for the range
  /// form, the first range with start <= RAM < end, else nothing.
  public func size(forSystemRAM systemRAM: UInt64) -> UInt64 {
    switch amount {
    case .fixed(let size):
      return size
    case .ranges(let ranges):
      let match = ranges.first { systemRAM >= $0.start && systemRAM < ($0.end ?? .max) }
      return match?.size ?? 0
    }
  }

  /// `memparse()` (lib/cmdline.c): a number in C notation (decimal, 0x hex, 0 octal)
  /// with an optional K, M, G, T, P or E suffix.
  static func memory(_ text: Substring, in value: String) throws -> UInt64 {
    var digits = text
    var shift: UInt64 = 0
    if let last = digits.last, let power = "KMGTPE".firstIndex(of: Character(last.uppercased())) {
      shift = UInt64("KMGTPE".distance(from: "KMGTPE".startIndex, to: power) + 1) * 10
      digits = digits.dropLast()
    }
    let number: UInt64?
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
      number = UInt64(digits.dropFirst(2), radix: 16)
    } else if digits.count > 1, digits.hasPrefix("0") {
      number = UInt64(digits.dropFirst(), radix: 8)
    } else {
      number = UInt64(digits)
    }
    guard let number, number.leadingZeroBitCount >= shift else {
      throw ParseError(value: value, expected: "a memory size like 256M in '\(text)'")
    }
    return number << shift
  }
}

/// What the kernel reserves from all the `crashkernel=` values of one command line.
/// `parse_crashkernel()` (kernel/crash_reserve.c) takes the last plain value; only when
/// there is none does it look for `,high`, then `,low` beside it. `,cma` is extra.
public struct CrashKernelReservation: Sendable, Equatable {
  /// The value that sizes the main region (`crashk_res`, /sys/kernel/kexec_crash_size).
  public var main: CrashKernelParameter?
  /// The `,low` companion of a `,high` value.
  public var low: CrashKernelParameter?
  public var cma: CrashKernelParameter?

  public init(_ values: [CrashKernelParameter]) {
    let plain = values.last { $0.region == .any }
    main = plain ?? values.last { $0.region == .high }
    low = plain == nil ? values.last { $0.region == .low } : nil
    cma = values.last { $0.region == .cma }
  }

  /// The size of the main region on a machine with `systemRAM` bytes.
  public func mainSize(forSystemRAM systemRAM: UInt64) -> UInt64 {
    main?.size(forSystemRAM: systemRAM) ?? 0
  }
}
