import KernelLog

/// What examine concludes from one piece of evidence: every crash found in it, the
/// one that killed the kernel first, and what was missing or damaged in the evidence.
/// Encodes to one line of `coroner examine --json`:
/// `{"kind", "path", "problems": [{"part", "message"}], "reports": [...]}`.
public struct CauseOfDeath: Sendable, Hashable, Codable {
  /// The file (or the name the caller gave the bytes or records).
  public var path: String
  public var kind: EvidenceKind
  /// Crash reports, in log order except that the killer comes first.
  public var reports: [CrashReport]
  /// What the evidence lacks: truncation, lost records, unreadable symbols.
  public var problems: [EvidenceProblem]
  /// From a dump: the panicking task's stack from memory and, for a hang, the blocked
  /// tasks, the locks they wait for, their owners and the deadlocks among them.
  public var tasks: TaskScene?

  public init(
    path: String, kind: EvidenceKind, reports: [CrashReport], problems: [EvidenceProblem] = [],
    tasks: TaskScene? = nil
  ) {
    self.path = path
    self.kind = kind
    self.reports = reports
    self.problems = problems
    self.tasks = tasks
  }

  /// The report the kernel died of: the one a panic followed, else the first.
  public var killer: CrashReport? { reports.first }

  /// False when no crash was found and the log is damaged: "no crash" cannot be
  /// told from "the crash was in what is lost", so nothing can be concluded.
  public var isConclusive: Bool {
    !reports.isEmpty || !problems.contains(where: \.damagesLog)
  }
}
