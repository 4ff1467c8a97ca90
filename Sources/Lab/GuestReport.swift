/// A command the guest ran with `report` (see `GuestInit`): its output lines and exit
/// status, read back from the serial console between `NAME begin` and `NAME end exit N`.
public struct GuestReport: Sendable, Equatable {
  public var name: String
  public var lines: [String]
  /// Nil when the console ends before the command's end line.
  public var exitStatus: Int?

  public var text: String { lines.map { $0 + "\n" }.joined() }

  /// The first report called `name` in a console log, or nil when the guest never began it.
  /// Console lines carry the kernel's `[ time]` prefix and end in `\r\n`, one Character
  /// in Swift, so lines are split on any newline.
  public static func find(_ name: String, in console: String) -> GuestReport? {
    let begin = "coroner-lab: \(name) begin"
    let line = "coroner-lab: \(name)| "
    let end = "coroner-lab: \(name) end exit "
    var report: GuestReport?
    for text in console.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      if report == nil {
        if text.hasSuffix(begin) { report = GuestReport(name: name, lines: [], exitStatus: nil) }
        continue
      }
      if let range = text.range(of: line) {
        report?.lines.append(String(text[range.upperBound...]))
      } else if let range = text.range(of: end) {
        report?.exitStatus = Int(text[range.upperBound...].prefix { $0.isNumber })
        return report
      }
    }
    return report
  }
}
