/// The line that starts a report, the kind it matched and the pattern's captures.
struct ReportHeader {
  let kind: CrashKind
  let line: Int
  let captures: [String]
  /// The header text with the pattern window (for `{rw}`-style lookups).
  let window: String
}

/// Finds report headers with the kinds table.
struct HeaderMatcher {
  let kinds: [CrashKind]
  /// Every distinct marker, for the cheap test before any regular expression.
  let markers: [String]
  let scanner: MarkerScanner

  /// Lines that carry a marker but are known noise (ssh, perf, filesystems).
  static let noise = [
    "WARNING: /etc/ssh/moduli", "INFO: lockdep is turned off", "INFO: NMI handler", "_INFO:",
    "INFO: Stall ended before state dump", "general protection fault ip:", "general protection ip:",
    "WARNING: workqueue cpumask", "ODEBUG: Out of memory",
    // syzkaller's bisection log names each run's crash by its title (`run #3: crashed:
    // BUG: ...`, `representative crash: BUG: ..., types: [...]`): no kernel printed it.
    "crashed: ", "representative crash: ",
    // The kernel test robot's harness marks a machine that stopped answering (`BUG:
    // kernel hang in boot stage`, `... in test stage`) in the console it saves.
    "BUG: kernel hang in boot stage", "BUG: kernel hang in test stage",
  ]

  /// `panic()` (kernel/panic.c) repeats its message in the end marker
  /// `---[ end Kernel panic - not syncing: ... ]---`: a second header of the same panic,
  /// unless the panic's own line is lost (a paste of the log's last lines).
  static let panicEndMarker = "---[ end Kernel panic"
  static let panicLookBack = 200

  private func repeatsPanic(at index: Int, in lines: [ConsoleLine]) -> Bool {
    let first = max(0, index - HeaderMatcher.panicLookBack)
    return lines[first..<index].contains { line in
      line.text.contains("Kernel panic - not syncing") && !line.text.contains(HeaderMatcher.panicEndMarker)
    }
  }

  static let shared = HeaderMatcher()

  init(kinds: [CrashKind] = CrashKinds.table) {
    self.kinds = kinds
    var seen = Set<String>()
    markers = kinds.map(\.marker).filter { seen.insert($0).inserted }
    scanner = MarkerScanner(markers: markers)
  }

  func header(at index: Int, in lines: [ConsoleLine]) -> ReportHeader? {
    var text = lines[index].text
    guard text.withUTF8({ scanner.firstMarker(in: $0, from: 0) != nil }) else { return nil }
    guard !HeaderMatcher.noise.contains(where: { text.contains($0) }) else { return nil }
    if text.contains(HeaderMatcher.panicEndMarker), repeatsPanic(at: index, in: lines) { return nil }
    if index + 1 < lines.count, lines[index + 1].text.contains("** replaying previous printk message **") {
      return nil
    }
    // Kinds of one marker mostly share their window size: each window is joined once.
    var windows: [Int: String] = [:]
    for kind in kinds where text.contains(kind.marker) {
      guard !kind.suppressions.contains(where: { text.contains($0) }) else { continue }
      let window = windows[kind.window] ?? windowText(from: index, lines: kind.window, in: lines)
      windows[kind.window] = window
      // A window without the pattern's fixed text cannot match: the search is skipped,
      // and the pattern is not even compiled (compiling is most of the cost of a
      // kind tried once). Every pattern of the table compiles (CrashKindTableTests).
      guard RequiredText.allowsMatch(in: window, clauses: kind.requiredText) else { continue }
      guard let pattern = kind.pattern else {
        return ReportHeader(kind: kind, line: index, captures: [], window: window)
      }
      // The pattern must match on the header line itself.
      let searched = Substring(window)
      guard let match = try? pattern.firstMatch(in: searched),
        match.range.lowerBound < searched.index(searched.startIndex, offsetBy: text.count)
      else { continue }
      var captures: [String] = []
      for index in 1..<max(1, match.output.count) {
        captures.append(match.output[index].substring.map(String.init) ?? "")
      }
      return ReportHeader(kind: kind, line: index, captures: captures, window: window)
    }
    return nil
  }

  /// The header line and up to `count` following lines of the same context.
  private func windowText(from index: Int, lines count: Int, in lines: [ConsoleLine]) -> String {
    guard count > 0 else { return lines[index].text }
    var text = lines[index].text
    var taken = 0
    var next = index + 1
    while taken < count, next < lines.count, next - index < count * 4 {
      if lines[next].context == lines[index].context {
        text += "\n" + lines[next].text
        taken += 1
      }
      next += 1
    }
    return text
  }
}
