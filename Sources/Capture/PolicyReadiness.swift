/// Turning hangs into panics: the knob table of PanicPolicy against the running values
/// (checklist items 14 to 22).
enum PolicyReadiness {
  static func findings(_ state: SystemState, profile: PanicProfile) -> [Finding] {
    PanicPolicy.knobs.compactMap { knob in
      guard let want = knob.want(in: profile) else { return nil }
      let reading = state.root.reading(knob.path)
      guard let value = reading.value else { return nil }  // the kernel has no such knob
      if knob.name == "kernel.hung_task_warnings" { return hungTaskWarnings(state, knob, reading) }
      if want.accepts(value) {
        return Finding(
          check: knob.name, item: knob.item, severity: nil, summary: "\(knob.name) = \(value)",
          readings: [reading])
      }
      return Finding(
        check: knob.name, item: knob.item, severity: knob.severity,
        summary: "\(knob.name) is \(value); the \(profile.rawValue) policy wants \(want.description)",
        reason: knob.reason, readings: [reading],
        fixes: knob.fixes(setting: want.valueToWrite(current: value)))
    }
  }

  /// kernel/hung_task.c counts `hung_task_warnings` down on every report; at 0 the
  /// detector prints nothing more, so later hangs leave no trace unless hung_task_panic
  /// turns them into a panic.
  static func hungTaskWarnings(_ state: SystemState, _ knob: PanicKnob, _ reading: Reading) -> Finding {
    let count = state.root.reading("/proc/sys/kernel/hung_task_detect_count")
    let panics = (state.root.value("/proc/sys/kernel/hung_task_panic").flatMap(Want.number) ?? 0) > 0
    switch reading.value.flatMap(Want.number) {
    case 0:
      return Finding(
        check: knob.name, item: knob.item, severity: panics ? .advice : .degraded,
        summary: "the hung task detector has used up its warnings (hung_task_warnings = 0)",
        reason: "every later hung task is silent"
          + (panics ? " (hung_task_panic still panics)" : ": no report, no panic"),
        readings: [reading, count].filter { $0.value != nil }, fixes: knob.fixes(setting: "-1"))
    case -1:
      return Finding(
        check: knob.name, item: knob.item, severity: nil,
        summary: "kernel.hung_task_warnings = -1 (unlimited)", readings: [reading])
    default:
      return Finding(
        check: knob.name, item: knob.item, severity: .advice,
        summary: "the hung task detector will fall silent after \(reading.value ?? "?") more reports",
        reason: knob.reason, readings: [reading, count].filter { $0.value != nil },
        fixes: knob.fixes(setting: "-1"))
    }
  }
}
