/// How bad a failed readiness check is for the next crash.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
  /// No crash scene would be saved.
  case impossible
  /// Something would be saved, but less than wanted, or some crashes would be missed.
  case degraded
  /// Worth doing; the capture path works without it.
  case advice

  private var rank: Int {
    switch self {
    case .impossible: return 0
    case .degraded: return 1
    case .advice: return 2
    }
  }

  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One exact remedy: a sysctl to set now, a kernel parameter for the next boot, or a
/// command to run.
public struct Fix: Sendable, Equatable, Codable {
  public enum Kind: String, Sendable, Codable {
    case sysctl
    case kernelParameter = "kernel-parameter"
    case command
    /// A kernel build option, for checks the running kernel cannot pass at all.
    case kernelConfig = "kernel-config"
  }

  public var kind: Kind
  public var text: String

  public init(_ kind: Kind, _ text: String) {
    self.kind = kind
    self.text = text
  }
}

/// The outcome of one readiness check. `severity` nil means the check passed.
public struct Finding: Sendable, Equatable, Codable {
  /// A stable name, e.g. `crashkernel.reserved`.
  public var check: String
  /// The item of the readiness checklist it implements (docs/fleet-netconsole-readiness.md,
  /// section 7).
  public var item: Int
  public var severity: Severity?
  /// One line: what is wrong, or what is right.
  public var summary: String
  /// Why it matters, when it failed.
  public var reason: String?
  public var readings: [Reading]
  public var fixes: [Fix]

  public init(
    check: String, item: Int, severity: Severity?, summary: String, reason: String? = nil,
    readings: [Reading] = [], fixes: [Fix] = []
  ) {
    self.check = check
    self.item = item
    self.severity = severity
    self.summary = summary
    self.reason = reason
    self.readings = readings
    self.fixes = fixes
  }

  public var passed: Bool { severity == nil }
}

/// Everything `doctor` found, in checklist order.
public struct ReadinessReport: Sendable, Equatable, Codable {
  public var findings: [Finding]

  public init(findings: [Finding]) {
    self.findings = findings
  }

  /// Whether a crash now would be captured: no finding makes capture impossible.
  public var ready: Bool { !findings.contains { $0.severity == .impossible } }

  public func count(_ severity: Severity?) -> Int {
    findings.filter { $0.severity == severity }.count
  }
}
