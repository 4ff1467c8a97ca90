/// The identity line `dump_stack_print_info()` prints before a trace
/// (lib/dump_stack.c): the CPU, the task, `Kdump: loaded` when a capture kernel
/// waits, the taint, the release and the first word of the version, and, with
/// CONFIG_STACKTRACE_BUILD_ID, the build id of vmlinux:
///
///     CPU: 1 PID: 93 Comm: det_spin Tainted: G O L 6.1.0-28-amd64 #1 Debian 6.1.119-1
///     CPU: 0 UID: 0 PID: 1 Comm: swapper/0 Not tainted 6.12.9-amd64 #1 <40 hex digits>
///
/// The one parser of that line: the report parser, the dump's crash scene and the
/// symbolizer all read it here.
public struct DumpStackInfo: Sendable, Equatable {
  public var cpu: Int?
  public var pid: Int?
  /// `current->comm`, which may hold spaces (at most 16 bytes in the kernel).
  public var comm: String?
  /// Nil when the line was cut before its taint.
  public var taint: Taint?
  public var release: String?
  /// What follows the release (`#1 Debian 6.1.119-1`, or `#1` since the kernel prints
  /// only the version's first word).
  public var version: String?
  /// The vmlinux build id, lowercase hex, when the line ends with one.
  public var buildID: String?

  /// Parses the line from its `CPU: `, wherever that starts (after a console
  /// prefix); nil when the line has no `CPU: ` and `PID: `.
  public init?<Line: StringProtocol>(_ line: Line) where Line.SubSequence == Substring {
    guard let start = line.firstRange(of: "CPU: "), line.firstRange(of: "PID: ") != nil else { return nil }
    let text = line[start.lowerBound...]
    cpu = Self.number(after: "CPU: ", in: text)
    pid = Self.number(after: "PID: ", in: text)
    guard let comm = text.firstRange(of: "Comm: ") else { return }
    let after = text[comm.upperBound...]
    let taintMarker = after.firstRange(of: " Not tainted") ?? after.firstRange(of: " Tainted: ")
    // `Kdump: loaded` (kernel/crash_core.c) sits between the name and the taint.
    let end = after.firstRange(of: " Kdump: ")?.lowerBound ?? taintMarker?.lowerBound ?? after.endIndex
    self.comm = String(after[..<end]).trimmingSpaces()
    var rest: Substring?
    if let marker = after.firstRange(of: " Tainted: ") {
      let (parsed, remainder) = Taint.parse(afterTainted: after[marker.upperBound...])
      taint = parsed
      rest = remainder
    } else if let marker = taintMarker {
      taint = Taint(flags: "")
      rest = after[marker.upperBound...].drop(while: { $0 == " " })
    }
    if let rest { parseRelease(rest) }
  }

  /// `6.1.0-28-amd64 #1 Debian 6.1.119-1`: `uname -r`, then `uname -v`; a last word
  /// of 40 hex digits is the build id (`BUILD_ID_FMT`).
  private mutating func parseRelease(_ rest: Substring) {
    guard let release = rest.split(separator: " ").first, release.first?.isNumber == true else { return }
    self.release = String(release)
    let version = rest.dropFirst(release.count).trimmingPrefix(while: { $0 == " " })
    self.version = version.isEmpty ? nil : String(version).trimmingSpaces()
    if let last = rest.split(separator: " ").last, last.count == 40, last.allSatisfy({ $0.isHexDigit }) {
      buildID = last.lowercased()
    }
  }

  static func number(after label: String, in text: Substring) -> Int? {
    guard let range = text.firstRange(of: label) else { return nil }
    return Int(text[range.upperBound...].prefix { $0.isNumber })
  }
}
