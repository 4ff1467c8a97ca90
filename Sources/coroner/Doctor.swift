import ArgumentParser
import Capture
import Foundation

/// `coroner doctor`: is this machine ready to capture its next crash?
struct Doctor: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check that this machine would capture its next crash.",
    discussion: """
      Reads the effective state (procfs, sysfs, /proc/cmdline, /proc/iomem, the kernel \
      config) and reports every problem of the readiness checklist with what was read and \
      the exact fix. Exits 0 when a crash would be captured, 1 when not.
      """)

  @Option(help: "Read a captured tree instead of /.")
  var root: String = "/"

  @Option(help: "The panic policy to check against: production or lab.")
  var profile: PanicProfile = .production

  @Option(name: .customLong("dump-dir"), help: "Where dumps are written.")
  var dumpDirectory: String = "/var/crash"

  @Option(
    name: .customLong("save-tree"),
    help: "Also save every file the checks read into this directory, for `--root` later.")
  var saveTree: String?

  @Flag(help: "List the checks that passed too.")
  var verbose = false

  @Flag(help: "Print the findings as JSON.")
  var json = false

  func run() throws {
    guard FileManager.default.fileExists(atPath: root) else {
      throw ValidationError("no such directory: \(root)")
    }
    let recorder = saveTree.map { _ in SystemTreeRecorder() }
    let systemRoot = SystemRoot(root, recorder: recorder)
    let state = SystemState(root: systemRoot, dumpDirectory: dumpDirectory)
    let report = Readiness.check(state, profile: profile)
    if let saveTree, let recorder {
      do {
        try recorder.save(from: systemRoot, to: saveTree)
      } catch {
        CaptureTerminal.error("error: \(error)")
        throw ExitCode(74)
      }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      let document = ReadinessDocument(
        ready: report.ready, profile: profile.rawValue, findings: report.findings)
      // JSONEncoder escapes C0 controls only: DEL and C1 controls get \u escapes too.
      print(TerminalText.jsonEscapingC1(String(decoding: try encoder.encode(document), as: UTF8.self)))
    } else {
      print(ReadinessText.render(report, verbose: verbose), terminator: "")
    }
    if !report.ready { throw ExitCode(1) }
  }
}

extension PanicProfile: ExpressibleByArgument {}

struct ReadinessDocument: Encodable {
  var ready: Bool
  var profile: String
  var findings: [FindingDocument]

  init(ready: Bool, profile: String, findings: [Finding]) {
    self.ready = ready
    self.profile = profile
    self.findings = findings.map(FindingDocument.init)
  }
}

/// A finding for machines: `status` is `ok` or the severity, never missing.
struct FindingDocument: Encodable {
  var check: String
  var item: Int
  var status: String
  var summary: String
  var reason: String?
  var readings: [Reading]
  var fixes: [Fix]

  init(_ finding: Finding) {
    check = finding.check
    item = finding.item
    status = finding.severity?.rawValue ?? "ok"
    summary = finding.summary
    reason = finding.reason
    readings = finding.readings
    fixes = finding.fixes
  }
}

/// Findings as compiler diagnostics: severity and check, what was read, why, the fix.
enum ReadinessText {
  static func label(_ severity: Severity?) -> String {
    switch severity {
    case .impossible: return "error"
    case .degraded: return "warning"
    case .advice: return "note"
    case nil: return "ok"
    }
  }

  static func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
  }

  static func render(_ report: ReadinessReport, verbose: Bool) -> String {
    var out = ""
    // Summaries, reasons and fixes quote what the files hold: every field is escaped
    // so a file's bytes never reach the terminal as controls.
    let e = { (text: String) in TerminalText.escaped(text) }
    for finding in report.findings where !finding.passed || verbose {
      out += "\(label(finding.severity))[\(finding.check)]: \(e(finding.summary))\n"
      for reading in finding.readings {
        out += "  --> \(e(reading.path)): \(reading.value.map { "\"\(e($0))\"" } ?? "(absent)")\n"
      }
      if let reason = finding.reason { out += "   = why: \(e(reason))\n" }
      for fix in finding.fixes {
        out += "   = fix (\(fix.kind.rawValue)): \(TerminalText.escaped(fix.text, keepNewlines: true))\n"
      }
      if !finding.passed || verbose { out += "\n" }
    }
    let verdict =
      report.ready ? "ready: a crash now would be captured" : "not ready: a crash now would be lost"
    let counts = [
      plural(report.count(.impossible), "error"), plural(report.count(.degraded), "warning"),
      plural(report.count(.advice), "note"), plural(report.count(nil), "check") + " passed",
    ]
    out += "\(verdict) (\(counts.joined(separator: ", ")))\n"
    return out
  }
}
