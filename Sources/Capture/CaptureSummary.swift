/// The text `coroner capture` shows: the progress line it keeps redrawing on a terminal
/// and the summary line it ends with. Strings only; the executables write them.
public struct CaptureProgressLine: Sendable {
  var last = ""

  public init() {}

  /// The terminal bytes that redraw the line for `step`, or nil when the line would not
  /// change (so a fast capture does not flood a slow serial console).
  public mutating func redraw(_ step: CaptureSession.Progress) -> String? {
    var text = "capture: \(step.phase.rawValue)"
    if step.pagesTotal > 0 {
      let percent = step.pagesDone * 100 / step.pagesTotal
      text +=
        " \(percent)% (\(step.pagesDone)/\(step.pagesTotal) pages, \(CaptureSummary.megabytes(step.bytesWritten)) written)"
    }
    guard text != last else { return nil }
    last = text
    return "\r\u{1B}[K" + text
  }

  /// The bytes that erase the line, or nil when nothing was drawn.
  public func clear() -> String? { last.isEmpty ? nil : "\r\u{1B}[K" }
}

/// The summary line: pages in memory, excluded by class, written, size ratio, speed.
public enum CaptureSummary {
  /// `streamed`: the dump went to standard output (`--to -`, `makedumpfile -F`).
  public static func line(
    _ report: CaptureSession.Report, directory: String, streamed: Bool = false
  ) -> String {
    let excluded = ExcludedClass.allCases.compactMap { kind -> String? in
      guard let count = report.excluded[kind], count > 0 else { return nil }
      return "\(kind) \(count)"
    }
    let input = report.pagesWritten * UInt64(report.pageSize)
    let ratio = input > 0 ? Double(report.dumpBytes) / Double(report.pagesTotal * UInt64(report.pageSize)) : 0
    let speed =
      report.seconds > 0 ? Double(report.pagesTotal * UInt64(report.pageSize)) / report.seconds / 1e6 : 0
    let state = report.complete ? "" : " INCOMPLETE"
    let unreadable = report.pagesUnreadable > 0 ? ", \(report.pagesUnreadable) unreadable in the source" : ""
    let copies =
      report.pagesDuplicate > 0 ? ", \(report.pagesDuplicate) copies of earlier pages stored once" : ""
    return
      "capture\(state): \(report.pagesTotal) pages, excluded \(excluded.isEmpty ? "none" : excluded.joined(separator: ", ")), "
      + "\(report.pagesWritten) of \(report.pagesDumpable) written\(copies)\(unreadable) (level \(report.level.rawValue), \(report.codec.rawValue)) "
      + "to \(streamed ? "standard output" : "\(directory)/\(CaptureSession.dumpName)"): \(megabytes(report.dumpBytes)), "
      + "\(String(format1(ratio * 100)))% of memory, \(format1(report.seconds)) s, \(format1(speed)) MB/s"
  }

  public static func megabytes(_ bytes: UInt64) -> String { format1(Double(bytes) / 1e6) + " MB" }

  static func format1(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))"
  }
}
