import KernelLog

/// How a streamed examination ended: the reports themselves went to the caller one
/// by one, and only their count is kept.
public struct StreamedExamination: Sendable, Codable {
  public var path: String
  public var kind: EvidenceKind
  /// The reports handed over.
  public var reports: Int
  public var problems: [EvidenceProblem]

  /// As `CauseOfDeath.isConclusive`: no crash in a damaged log concludes nothing.
  public var isConclusive: Bool { reports > 0 || !problems.contains(where: \.damagesLog) }
}

extension Examiner {
  /// Examines as `examine(path:)` does, handing each report to `each` as soon as it is
  /// final instead of returning them all. A console log's reports come in log order,
  /// as the scan finds them, so a log of a hundred thousand crashes starts printing at
  /// its first one and holds one report in memory, not all of them; the report that
  /// panicked is marked `panicked` rather than moved first. A dump's or a pstore
  /// folder's reports, read whole anyway, come killer first as `examine(path:)` gives
  /// them.
  public func examine(path: String, each: (CrashReport) throws -> Void) throws -> StreamedExamination {
    if path != "-", PstoreEvidence.isFolder(path) {
      return try replay(try PstoreEvidence(path: path).examine(self), each)
    }
    let evidence = try Self.evidence(path)
    guard case .text = EvidenceFormat.sniff(try evidence.prefix(EvidenceFormat.sampleSize)) else {
      return try replay(try examine(evidence), each)
    }
    // Debuginfo is looked for once, for the release the first report names, as
    // `finish` does for a whole log.
    var symbolizer: FrameSymbolizer?
    var count = 0
    try scan(text: evidence, kind: .console) { found in
      var report = found
      if report.evidence.path == nil { report.evidence.path = evidence.path }
      if count == 0 {
        symbolizer = FrameSymbolizer(options: options, buildID: nil, release: report.kernel?.release)
      }
      if let symbolizer { report = symbolizer.annotate(report) }
      count += 1
      try each(report)
    }
    return StreamedExamination(
      path: evidence.path, kind: .console, reports: count, problems: symbolizer?.problems ?? [])
  }

  private func replay(
    _ cause: CauseOfDeath, _ each: (CrashReport) throws -> Void
  ) throws -> StreamedExamination {
    for report in cause.reports { try each(report) }
    return StreamedExamination(
      path: cause.path, kind: cause.kind, reports: cause.reports.count, problems: cause.problems)
  }
}
