/// `coroner doctor`: would this machine capture its next crash? Every item of the
/// readiness checklist (docs/fleet-netconsole-readiness.md, section 7) that Linux lets us
/// read, against the effective state under a root.
public enum Readiness {
  public static func check(_ state: SystemState, profile: PanicProfile = .production) -> ReadinessReport {
    let findings =
      KdumpReadiness.findings(state) + DumpTargetReadiness.findings(state)
      + PolicyReadiness.findings(state, profile: profile) + ChannelReadiness.findings(state)
    return ReadinessReport(
      findings: findings.enumerated().sorted { a, b in
        (a.element.item, a.offset) < (b.element.item, b.offset)
      }.map(\.element))
  }
}
