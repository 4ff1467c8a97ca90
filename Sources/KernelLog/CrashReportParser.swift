/// Finds every kernel crash in a log and describes each one.
///
/// The entry point for every source: a console log gives bytes (`reports(inLog:)`),
/// a vmcore or pstore gives `LogRecord`s (`reports(in:)`); both reach the same code.
public struct CrashReportParser: Sendable {
  /// Panic reasons that are the consequence of the report before them, not a new crash.
  static let consequentialPanics = [
    "Fatal exception", "panic_on_warn set", "hung_task: blocked tasks", "softlockup: hung tasks",
    "Hard LOCKUP", "RCU Stall", "Attempted to kill the idle task", "Fatal hardware error",
    "Aiee, killing interrupt handler", "Oops - BUG", "kernel: panic_on_warn set", "Attempted to kill init",
    "softlockup", "hardlockup",
  ]

  public init() {}

  /// The crashes in `records`, in log order. `evidenceKind` names the source
  /// (`console`, `vmcore`, `pstore`, `netconsole`) in each report's evidence.
  public func reports(in records: [LogRecord], evidenceKind: String = "console") -> [CrashReport] {
    var state = ScanState()
    return reports(in: records, evidenceKind: evidenceKind, headersBefore: records.count, state: &state) ?? []
  }

  /// Reports whose header is one of the first `headersBefore` records; nil when
  /// `wholeReports` is set and a report runs to the last record (a window of a larger
  /// log that must grow: nothing is built for it). `state` carries what earlier windows
  /// of the log decided.
  func reports(
    in records: [LogRecord], evidenceKind: String, headersBefore: Int, wholeReports: Bool = false,
    state: inout ScanState
  ) -> [CrashReport]? {
    // A printk record from a dump may hold several lines (one printk call with
    // embedded newlines); each is a line of the report, tied to its record.
    // Built in place from each record's fields: copying whole records (their text,
    // dictionary and caller) for each line was a tenth of the decoding.
    var lines: [ConsoleLine] = []
    lines.reserveCapacity(records.count)
    for index in records.indices {
      if let pieces = PackedFrameLine.split(records[index].text) {
        let context = ConsoleLine.context(of: records[index])
        for piece in pieces { lines.append(ConsoleLine(text: piece, context: context, record: index)) }
        continue
      }
      guard records[index].text.contains("\n") else {
        lines.append(
          ConsoleLine(
            text: records[index].text, context: ConsoleLine.context(of: records[index]), record: index))
        continue
      }
      let record = records[index]
      for part in record.text.split(separator: "\n", omittingEmptySubsequences: false) {
        var piece = record
        piece.text = String(part)
        lines.append(ConsoleLine(piece, index: index))
      }
    }
    return reports(
      lines: lines, records: records, evidenceKind: evidenceKind, headersBefore: headersBefore,
      wholeReports: wholeReports, state: &state)
  }

  /// The crashes in the bytes of a console log.
  public func reports(inLog bytes: [UInt8], evidenceKind: String = "console") -> [CrashReport] {
    bytes.withUnsafeBufferPointer { reports(inLog: $0, evidenceKind: evidenceKind) }
  }

  /// The crashes in a console log of any size (a memory-mapped file): only the
  /// lines around report markers are decoded, in windows of bounded size, so time
  /// is spent on crashes and memory does not grow with the log. `consumed` is
  /// told, as the scan advances, the offset before which bytes are not read again
  /// (a caller may drop those pages).
  public func reports(
    inLog bytes: UnsafeBufferPointer<UInt8>, evidenceKind: String = "console",
    consumed: ((Int) -> Void)? = nil
  ) -> [CrashReport] {
    var reports: [CrashReport] = []
    self.reports(inLog: bytes, evidenceKind: evidenceKind, consumed: consumed) { reports.append($0) }
    return reports
  }

  /// The crashes of a console log handed to `found` one by one, in log order, as the
  /// scan finds them: only the newest is held back (a `Fatal exception` panic that
  /// follows a report marks it as the one that panicked), so memory holds one report
  /// whatever the log holds.
  public func reports(
    inLog bytes: UnsafeBufferPointer<UInt8>, evidenceKind: String = "console",
    consumed: ((Int) -> Void)? = nil, found deliver: (CrashReport) throws -> Void
  ) rethrows {
    let scanner = MarkerScanner(markers: HeaderMatcher.shared.markers)
    let chunk = 32 << 20
    var pending: CrashReport?
    var state = ScanState()
    var position = 0
    while position < bytes.count {
      let limit = min(bytes.count, position + chunk)
      guard let hit = scanner.firstMarker(in: bytes, from: position, before: limit) else {
        position = limit
        consumed?(position)
        continue
      }
      var window = LogWindow(around: hit, in: bytes, lines: LogWindow.shortLines)
      var records = KernelLogReader.records(in: bytes, linesFrom: window.start, to: window.end)
      let headerLimit = { (window: LogWindow) in window.isCut ? window.acceptedRecords : Int.max }
      let parse = { (window: LogWindow, records: [LogRecord], last: Bool) in
        // What the reports take counts only for reports kept: a window that must grow
        // builds none.
        var attempt = state
        attempt.afterReport = pending != nil
        attempt.markedPanicked = false
        let parsed = self.reports(
          in: records, evidenceKind: evidenceKind, headersBefore: headerLimit(window),
          wholeReports: window.isCut && !last, state: &attempt)
        if parsed != nil { state = attempt }
        return parsed
      }
      var parsed = parse(window, records, false)
      // A report that runs to the window's end is parsed again in a longer window,
      // growing in steps (most reports end a few hundred lines later) and decoding
      // only the lines the longer window adds.
      for (step, lines) in LogWindow.longerLines.enumerated() where parsed == nil {
        let longer = LogWindow(around: hit, in: bytes, lines: lines)
        if RecordBoundary.startsRecord(at: window.end, in: bytes) {
          KernelLogReader.append(in: bytes, range: window.end..<longer.end, to: &records)
        } else {
          // The line after the window may continue its last record (a `/dev/kmsg`
          // dictionary line, a wrapped line's rest): decode the longer window whole.
          records = KernelLogReader.records(in: bytes, linesFrom: longer.start, to: longer.end)
        }
        window = longer
        parsed = parse(window, records, step == LogWindow.longerLines.count - 1)
      }
      if state.markedPanicked { pending?.panicked = true }
      var found = parsed ?? []
      found.removeAll { ($0.evidence.records?.first ?? 0) >= window.acceptedRecords && window.isCut }
      // The scan resumes inside a report's region when it runs past the window's first
      // half: the records it took are no headers (`taken`), the others may be.
      let next = window.isCut ? window.acceptedEnd : window.end
      for var report in found {
        report.evidence.records = nil
        if pending != nil, report.isConsequentialPanic {
          pending?.panicked = true
        } else {
          if let done = pending { try deliver(done) }
          pending = report
        }
      }
      position = max(next, LineScanner.endOfLine(in: bytes, from: hit) + 1)
      // A window decodes from at most RecordBoundary's reach before its marker.
      if state.taken.count > 4096 {
        state.taken = state.taken.filter { $0 >= position - RecordBoundary.maximumBytes }
      }
      consumed?(window.start)
    }
    if let done = pending { try deliver(done) }
  }

  /// True when `bytes` holds at least one crash.
  public func containsCrash(_ bytes: [UInt8]) -> Bool {
    !reports(inLog: bytes).isEmpty
  }

  func reports(
    lines: [ConsoleLine], records: [LogRecord], evidenceKind: String, headersBefore: Int,
    wholeReports: Bool = false, state: inout ScanState
  )
    -> [CrashReport]?
  {
    let matcher = HeaderMatcher.shared
    var consumed = [Bool](repeating: false, count: lines.count)
    // A record of a dump has no byte offset: what its reports take stays in this call.
    let offset = { (line: Int) in records[lines[line].record].span?.lowerBound }
    if !state.taken.isEmpty {
      for line in lines.indices where offset(line).map(state.taken.contains) == true { consumed[line] = true }
    }
    var reports: [CrashReport] = []
    var index = 0
    // `headersBefore` counts records, and a record may hold several lines.
    while index < lines.count, lines[index].record < headersBefore {
      defer { index += 1 }
      guard !consumed[index], !Self.isInlinedHeader(at: index, in: lines),
        let header = matcher.header(at: index, in: lines)
      else { continue }
      // A panic that a report before it caused marks that report, here or one an earlier
      // window delivered, and takes only its own line.
      if isConsequentialPanic(header), state.afterReport || !reports.isEmpty {
        if let last = reports.indices.last {
          reports[last].panicked = true
        } else {
          state.markedPanicked = true
        }
        consumed[index] = true
        if let at = offset(index) { state.taken.insert(at) }
        continue
      }
      // A header this close to the window's end may take its context from lines past it
      // (ReportRegion.collect): a longer window decides as the whole log does.
      if wholeReports, header.line + ReportRegion.contextLookahead >= lines.count { return nil }
      let region = ReportRegion.collect(from: header, in: lines, consumed: consumed, matcher: matcher)
      if wholeReports,
        region.reachedEnd || region.lines.last.map({ lines[$0].record >= records.count - 1 }) == true
      {
        return nil
      }
      for line in region.lines {
        consumed[line] = true
        if let at = offset(line) { state.taken.insert(at) }
      }
      let report = ReportBuilder(header: header, region: region, lines: lines, records: records).build(
        evidenceKind: evidenceKind)
      if report.isConsequentialPanic, let last = reports.indices.last {
        reports[last].panicked = true
      } else {
        reports.append(report)
      }
    }
    markPanics(&reports, lines: lines)
    return reports
  }

  /// A symbolizer prints a sanitizer's header once per function inlined at the bad
  /// access, `BUG: KASAN: null-ptr-deref in put_cred include/linux/cred.h:269 [inline]`,
  /// then the kernel's own line (`... in __se_sys_io_uring_register+0x1227/0x3b60 ...`):
  /// the report starts at that last line, the one syzkaller reads, so that its access
  /// line stays in the header's reach.
  static func isInlinedHeader(at index: Int, in lines: [ConsoleLine]) -> Bool {
    let text = lines[index].text
    guard index + 1 < lines.count, text.hasSuffix("[inline]") || text.hasSuffix("[inline] "),
      let inWord = text.range(of: " in ")
    else { return false }
    return lines[index + 1].text.hasPrefix(text[..<inWord.upperBound])
  }

  private func isConsequentialPanic(_ header: ReportHeader) -> Bool {
    let text = lines(header)
    guard text.contains("Kernel panic - not syncing") else { return false }
    return CrashReportParser.consequentialPanics.contains { text.contains($0) }
  }

  private func lines(_ header: ReportHeader) -> String { header.window }

  /// A panic line anywhere after a report means the kernel died of it (or of a
  /// later report): the last report before the panic is marked.
  private func markPanics(_ reports: inout [CrashReport], lines: [ConsoleLine]) {
    guard !reports.isEmpty else { return }
    for line in lines where line.text.contains("Kernel panic - not syncing") {
      if let last = reports.lastIndex(where: { ($0.evidence.records?.first ?? 0) <= line.record }) {
        reports[last].panicked = true
      }
    }
  }
}

/// What a window of a log carries from the windows before it, so that it decodes as the
/// whole log does.
struct ScanState {
  /// The records the reports delivered took, by byte offset: a report's region takes only
  /// the lines it wants, and a header among the others is a header, as in the whole log.
  var taken = Set<Int>()
  /// An earlier window delivered a report (or holds one back).
  var afterReport = false
  /// A panic at this window's start marked the report delivered before it.
  var markedPanicked = false
}
