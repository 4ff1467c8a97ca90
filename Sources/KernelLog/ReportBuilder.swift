/// Builds one `CrashReport` from a header and its region.
struct ReportBuilder {
  let header: ReportHeader
  let region: ReportRegion
  let lines: [ConsoleLine]
  let records: [LogRecord]

  func build(evidenceKind: String) -> CrashReport {
    let kind = header.kind
    let reader = StackTraceReader(lines: lines, region: region.lines)
    let found = GuiltyFrameFinder(reader: reader, kind: kind).find(header: header)
    let needsFrame = kind.title.contains("{frame}")
    let frameName = found.guilty.map(\.baseName).flatMap { $0.isEmpty ? nil : $0 }
    var (title, alternatives) = TitleBuilder(header: header, frame: frameName).build()
    var corruptedReason: String?
    if let bare = kind.bareTitle, case .after(let needle) = kind.stack, reader.position(of: needle) == nil {
      title = bare
      alternatives = []
      corruptedReason = "no \(needle) section"
    } else if kind.corrupted {
      corruptedReason = "report format is marked as corrupted"
    } else if needsFrame && frameName == nil {
      corruptedReason = "extracted no frames"
    } else if kind.stack == .lockdepDeadlock,
      ["stack backtrace:", "Call Trace", "Call trace", "Backtrace"].allSatisfy({
        reader.position(of: $0) == nil
      })
    {
      // print_circular_bug() and print_deadlock_bug() (kernel/locking/lockdep.c)
      // end with `stack backtrace:` and the task's stack: without either the report was cut.
      corruptedReason = "no stack backtrace section"
    } else if kind.stack.needsTrace, let reason = CorruptionCheck.structuralProblem(reader: reader) {
      corruptedReason = reason
    }
    let details = ReportDetails(region: region.lines, lines: lines, header: header)
    let recordIndices = region.lines.map { lines[$0].record }
    return CrashReport(
      title: title, altTitles: alternatives, type: CrashType.of(title: title),
      corrupted: corruptedReason != nil, corruptedReason: corruptedReason,
      panicked: region.panicked || title.hasPrefix("kernel panic"),
      guiltyFrame: frameName,
      guiltyFile: GuiltyFile.find(frames: found.frames, guilty: found.guilty)
        ?? GuiltyFile.find(in: region.lines, lines: lines)
        ?? GuiltyFile.fallback(frames: found.frames, guilty: found.guilty),
      kernel: details.kernel, task: details.task, taint: details.taint, hardware: details.hardware,
      frames: found.frames, registers: details.registers,
      evidence: evidence(kind: evidenceKind, records: recordIndices),
      log: region.lines.map { lines[$0].text }.joined(separator: "\n"))
  }

  private func evidence(kind: String, records indices: [Int]) -> CrashReport.Evidence {
    let spans = indices.compactMap { records[$0].span }
    let span = spans.isEmpty ? nil : [spans.map(\.lowerBound).min() ?? 0, spans.map(\.upperBound).max() ?? 0]
    let range = [indices.first ?? 0, (indices.last ?? 0) + 1]
    return CrashReport.Evidence(kind: kind, path: nil, span: span, records: range)
  }
}

/// Signs that a report was cut or mixed with other output.
enum CorruptionCheck {
  static let traceStarts = ["Call Trace:", "Call trace:", "backtrace:"]

  static func structuralProblem(reader: StackTraceReader) -> String? {
    let region = reader.region
    var sawFrame = false
    for (position, index) in region.enumerated() {
      let text = reader.lines[index].trimmed
      if !sawFrame, reader.frame(at: position) != nil { sawFrame = true }
      guard traceStarts.contains(where: { text.hasPrefix($0) }), !text.hasPrefix("stack backtrace:")
      else { continue }
      let following = (position + 1)..<min(region.count, position + 16)
      let hasFrame = following.contains { next in
        reader.frame(at: next) != nil || reader.lines[region[next]].text.contains("(stack is not available)")
      }
      if !hasFrame { return "call trace is missed" }
    }
    return sawFrame ? nil : "no frames in the report"
  }
}
