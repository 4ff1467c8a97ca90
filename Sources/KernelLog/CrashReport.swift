/// One crash found in a kernel log: what killed (or hurt) the kernel, in the
/// shape of docs/design.md. Encodes to the JSON of `coroner examine --json`.
public struct CrashReport: Sendable, Hashable, Codable {
  /// Stable title for deduplication, syzkaller-compatible.
  public var title: String
  public var altTitles: [String]
  /// syzkaller's crash type (`HANG`, `KASAN-USE-AFTER-FREE-READ`, ...); `.unknown` if none.
  public var type: CrashType
  /// The report is truncated or intermixed: its title cannot be trusted.
  public var corrupted: Bool
  public var corruptedReason: String?
  /// The log shows the kernel panicked after this report.
  public var panicked: Bool
  public var guiltyFrame: String?
  public var guiltyFile: String?
  public var kernel: KernelBuild?
  public var task: TaskIdentity?
  public var taint: Taint?
  public var hardware: String?
  public var frames: [StackFrame]
  public var registers: [String: String]
  /// Names of the register values that point into kernel code (`sym+0x1a/0x40`),
  /// when a symbol table was at hand (kallsyms from a dump).
  public var registerSymbols: [String: String]?
  /// Code addresses found on the crashing CPU's stack from its saved stack pointer,
  /// as `rsp+0x18: 0xffffffff81234567 func+0x1a/0x40` (a dump's `bt -t`), when the
  /// evidence holds memory.
  public var stackWords: [String]?
  public var evidence: Evidence
  /// The report's own lines, prefixes removed.
  public var log: String

  public struct KernelBuild: Sendable, Hashable, Codable {
    /// `uname -r`: `6.1.0-28-amd64`.
    public var release: String
    /// `uname -v`: `#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1`.
    public var version: String?

    public init(release: String, version: String? = nil) {
      self.release = release
      self.version = version
    }
  }

  public struct TaskIdentity: Sendable, Hashable, Codable {
    public var pid: Int?
    public var comm: String?
    public var cpu: Int?

    public init(pid: Int? = nil, comm: String? = nil, cpu: Int? = nil) {
      self.pid = pid
      self.comm = comm
      self.cpu = cpu
    }
  }

  public struct Evidence: Sendable, Hashable, Codable {
    /// `console`, `vmcore`, `pstore`, `netconsole`.
    public var kind: String
    public var path: String?
    /// Byte range `[start, end)` of the report in the input, when it came from bytes.
    public var span: [Int]?
    /// Index range `[first, end)` of the report's records in the record list it
    /// was parsed from; nil for a byte stream, where `span` locates the report.
    public var records: [Int]?
  }

  /// Reports in log order, except that the one that killed the kernel (the report
  /// the panic followed) comes first when it is not already.
  public static func killerFirst(_ reports: [CrashReport]) -> [CrashReport] {
    guard let killer = reports.firstIndex(where: \.panicked), killer > 0 else { return reports }
    var ordered = reports
    ordered.insert(ordered.remove(at: killer), at: 0)
    return ordered
  }

  /// A `kernel panic: Fatal exception`-style report: the panic that follows
  /// another report, split from it by a window boundary.
  var isConsequentialPanic: Bool {
    guard title.hasPrefix("kernel panic: ") else { return false }
    return CrashReportParser.consequentialPanics.contains { title.contains($0) }
  }

  enum CodingKeys: String, CodingKey {
    case title
    case altTitles = "alt_titles"
    case type, corrupted
    case corruptedReason = "corrupted_reason"
    case panicked
    case guiltyFrame = "guilty_frame"
    case guiltyFile = "guilty_file"
    case kernel, task, taint, hardware, frames, registers
    case registerSymbols = "register_symbols"
    case stackWords = "stack_words"
    case evidence, log
  }
}
