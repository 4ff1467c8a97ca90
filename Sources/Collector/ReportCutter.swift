import Examine
import KernelLog

/// Cuts crash reports out of one host's stream of records as they arrive.
///
/// Most records are not part of a crash: they only pass through a short history,
/// kept because a report's first lines (`------------[ cut here ]------------`) come
/// before the line that names it. A record that may start a report (the marker scan
/// of `CrashReportParser`) opens a window; the window is handed to the parser when
/// the report has ended: the kernel said so (`---[ end Kernel panic`), the host
/// fell quiet (a dead kernel prints nothing more), or the window grew past a bound.
/// The window goes through `Examiner`, the path `coroner examine` takes, so a crash
/// from the wire is read (and, with debuginfo configured, symbolized) as one from a file.
public struct ReportCutter: Sendable {
  public struct Limits: Sendable {
    /// Records kept before a report's first marker.
    public var history = 32
    /// Records after which an open window is parsed whatever follows.
    public var windowRecords = 800
    /// Quiet time (nanoseconds) after which an open window is parsed.
    public var quietNanoseconds: UInt64 = 1_500_000_000
    /// Age (nanoseconds) after which an open window is parsed.
    public var maximumAgeNanoseconds: UInt64 = 20_000_000_000

    public init() {}
  }

  let limits: Limits
  let markers: ReportMarkers
  let examiner: Examiner
  /// The host, as the reports' `evidence.path`.
  let source: String
  var history: [LogRecord] = []
  var window: [LogRecord] = []
  var openedAt: UInt64 = 0
  var lastAt: UInt64 = 0
  /// When this stream's last report was delivered: a lone "Fatal exception" panic soon
  /// after it (within `maximumAgeNanoseconds`) is its end, not a crash of its own. A new
  /// boot (`flush`) clears it.
  var deliveredAt: UInt64?

  public init(
    limits: Limits = Limits(), markers: ReportMarkers, examiner: Examiner = Examiner(),
    source: String = "netconsole"
  ) {
    self.limits = limits
    self.markers = markers
    self.examiner = examiner
    self.source = source
  }

  public var isOpen: Bool { !window.isEmpty }

  /// Adds one record that arrived at `now` (monotonic nanoseconds); returns the
  /// reports it completes.
  public mutating func add(_ record: LogRecord, at now: UInt64) -> [CrashReport] {
    lastAt = now
    if isOpen {
      window.append(record)
      if record.text.contains("---[ end Kernel panic") || window.count >= limits.windowRecords {
        return cut()
      }
      return []
    }
    if markers.mayStartReport(record.text) {
      window = history
      window.append(record)
      history.removeAll(keepingCapacity: true)
      openedAt = now
      return []
    }
    history.append(record)
    if history.count > limits.history * 2 { history.removeFirst(history.count - limits.history) }
    return []
  }

  /// Cuts an open window that has been quiet or open too long.
  public mutating func tick(at now: UInt64) -> [CrashReport] {
    guard isOpen else { return [] }
    if now &- lastAt >= limits.quietNanoseconds || now &- openedAt >= limits.maximumAgeNanoseconds {
      return cut()
    }
    return []
  }

  /// Parses the window now (the stream ended, the server stops).
  public mutating func flush() -> [CrashReport] {
    defer { deliveredAt = nil }
    return isOpen ? cut() : []
  }

  mutating func cut() -> [CrashReport] {
    let records = window
    window.removeAll(keepingCapacity: true)
    var reports: [CrashReport] = []
    var end = 0
    // Examine puts the killer first; the joins below need log order.
    let examined = examiner.examine(records: records, name: source, kind: .netconsole).reports
    let inOrder = examined.sorted { ($0.evidence.records?.first ?? 0) < ($1.evidence.records?.first ?? 0) }
    for report in inOrder {
      end = max(end, report.evidence.records?.last ?? 0)
      join(report, into: &reports)
    }
    guard end > 0 else {
      // No report: the marker was a false alarm; its lines are history again.
      history = Array(records.suffix(limits.history))
      return reports
    }
    // What was reported is not history: a later window must not report it again.
    history.removeAll(keepingCapacity: true)
    guard end < records.count else { return reports }
    // What followed the last report (the panic's closing lines, or the start of
    // the next report) is looked at again on its own: a strictly shorter window, so
    // this ends.
    var later: [CrashReport] = []
    for record in records[end...] { later += add(record, at: lastAt) }
    for report in later { join(report, into: &reports) }
    return reports
  }

  /// Adds a report to those of a cut. A panic that only states the report before it
  /// died ("Fatal exception") belongs to that report, as the file parser joins them,
  /// also when the report was delivered by a recent cut (then it is dropped).
  mutating func join(_ report: CrashReport, into reports: inout [CrashReport]) {
    if report.followsEarlierReport {
      if let last = reports.indices.last {
        reports[last].panicked = true
        return
      }
      if let deliveredAt, lastAt &- deliveredAt < limits.maximumAgeNanoseconds { return }
    }
    deliveredAt = lastAt
    reports.append(report)
  }
}
