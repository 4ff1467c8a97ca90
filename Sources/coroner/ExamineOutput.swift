import Examine
import Foundation
import KernelLog

/// `--json`: one `CauseOfDeath` per file, on one line.
enum ExamineJSON {
  static func line(_ cause: CauseOfDeath) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(cause), as: UTF8.self)
  }
}

/// The human summary: reads like a compiler diagnostic, one block per report.
enum ExamineSummary {
  static let traceLimit = 16

  static func text(_ cause: CauseOfDeath) -> String {
    let reports = cause.reports
    var lines = [countLine(path: cause.path, kind: cause.kind, count: reports.count)]
    for (index, report) in reports.enumerated() {
      lines.append("")
      lines += block(report, number: index + 1, of: reports.count)
    }
    if let tasks = cause.tasks {
      lines.append("")
      lines += TaskSceneSummary.lines(tasks)
    }
    if !cause.problems.isEmpty {
      if !reports.isEmpty { lines.append("") }
      lines += problemLines(cause.problems)
    }
    return lines.joined(separator: "\n")
  }

  /// `PATH: 2 crash reports (console)`, or `PATH: no kernel crash found (console)`.
  static func countLine(path: String, kind: EvidenceKind, count: Int) -> String {
    let found =
      count == 0 ? "no kernel crash found" : count == 1 ? "1 crash report" : "\(count) crash reports"
    return "\(path): \(found) (\(kind.rawValue))"
  }

  static func problemLines(_ problems: [EvidenceProblem]) -> [String] {
    ["  problems (what the evidence lacks):"] + problems.map { "    \($0.part.rawValue): \($0.message)" }
  }

  /// One report's lines; `total` nil when the count is not known yet (streaming).
  static func block(_ report: CrashReport, number: Int, of total: Int?) -> [String] {
    var lines: [String] = []
    let prefix = total.map { $0 > 1 ? "[\(number)/\($0)] " : "" } ?? "[\(number)] "
    lines.append(prefix + report.title)
    var kind = report.type == .unknown ? "unknown" : report.type.rawValue
    if report.panicked { kind += ", panicked" }
    if report.corrupted { kind += ", corrupted (\(report.corruptedReason ?? "damaged report"))" }
    lines.append("  kind:     \(kind)")
    if let task = report.task {
      var text = task.comm ?? "?"
      if let pid = task.pid { text += " (pid \(pid))" }
      if let cpu = task.cpu { text += " on CPU \(cpu)" }
      lines.append("  task:     \(text)")
    }
    if let kernel = report.kernel {
      lines.append("  kernel:   \(kernel.release)\(kernel.version.map { " " + $0 } ?? "")")
    }
    if let taint = report.taint {
      let text =
        taint.flags.isEmpty ? "not tainted" : "\(taint.flags) (\(taint.meanings.joined(separator: "; ")))"
      lines.append("  taint:    \(text)")
    }
    if let hardware = report.hardware { lines.append("  hardware: \(hardware)") }
    if let file = report.guiltyFile { lines.append("  file:     \(file)") }
    if !report.frames.isEmpty {
      lines.append("  trace:")
      lines += trace(report)
    }
    if report.evidence.kind == "vmcore", !report.registers.isEmpty {
      lines.append("  registers (the crashing CPU, from the dump):")
      lines += registers(report)
    }
    if let words = report.stackWords {
      lines.append("  stack (code addresses from rsp, the crashing CPU):")
      lines += words.prefix(traceLimit).map { "    " + $0 }
      if words.count > traceLimit { lines.append("    ... \(words.count - traceLimit) more") }
    }
    return lines
  }

  /// The order `struct pt_regs` prints them in (arch/x86/kernel/process_64.c
  /// __show_regs()), named values after their register.
  static let registerOrder = [
    "rip", "rsp", "eflags", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
    "r11", "r12", "r13", "r14", "r15", "orig_rax", "cs", "ss", "ds", "es", "fs", "gs", "fs_base",
    "gs_base", "cr0", "cr2", "cr3", "cr4",
  ]

  static func registers(_ report: CrashReport) -> [String] {
    let names =
      registerOrder.filter { report.registers[$0] != nil }
      + report.registers.keys.filter { !registerOrder.contains($0) }.sorted()
    let symbols = report.registerSymbols ?? [:]
    var lines: [String] = []
    var plain: [String] = []
    for name in names {
      guard let value = report.registers[name] else { continue }
      if let symbol = symbols[name] {
        lines.append("    \(name.padding(toLength: 8, withPad: " ", startingAt: 0))\(value) \(symbol)")
      } else {
        plain.append("\(name)=\(value)")
      }
    }
    // Values that name nothing, four to a line.
    for start in stride(from: 0, to: plain.count, by: 4) {
      lines.append("    " + plain[start..<min(start + 4, plain.count)].joined(separator: " "))
    }
    return lines
  }

  /// Frames, the guilty one marked with `>`; unreliable ones shown with `?`.
  static func trace(_ report: CrashReport) -> [String] {
    var lines: [String] = []
    var marked = false
    for frame in report.frames.prefix(traceLimit) {
      let isGuilty = !marked && frame.reliable && frame.baseName == report.guiltyFrame
      if isGuilty { marked = true }
      let mark = isGuilty ? "  > " : "    "
      let question = frame.reliable ? "" : "? "
      var text = mark + question + frame.printed
      if let file = frame.file { text += " \(file)\(frame.line.map { ":\($0)" } ?? "")" }
      if isGuilty { text += "   <- guilty" }
      lines.append(text)
      // Inlined callers below their frame, as decode_stacktrace.sh shows them.
      for source in frame.sources.dropFirst() {
        lines.append("        (inlined into) \(source.file)\(source.line.map { ":\($0)" } ?? "")")
      }
    }
    if report.frames.count > traceLimit { lines.append("    ... \(report.frames.count - traceLimit) more") }
    if !marked, let guilty = report.guiltyFrame { lines.append("  guilty:   \(guilty)") }
    return lines
  }
}
