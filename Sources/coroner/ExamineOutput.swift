import Foundation
import KernelLog

/// `--json`: one object per file, on one line.
enum ExamineJSON {
  struct FileObject: Encodable {
    let path: String
    let kind: String
    let reports: [CrashReport]
  }

  static func line(_ examination: Examination) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let object = FileObject(path: examination.path, kind: examination.kind, reports: examination.reports)
    return String(decoding: try encoder.encode(object), as: UTF8.self)
  }
}

/// The human summary: reads like a compiler diagnostic, one block per report.
enum ExamineSummary {
  static let traceLimit = 16

  static func text(_ examination: Examination, showPath: Bool) -> String {
    let reports = examination.reports
    guard !reports.isEmpty else {
      return "\(examination.path): no kernel crash found (\(examination.kind))"
    }
    let count = reports.count == 1 ? "1 crash report" : "\(reports.count) crash reports"
    var lines = ["\(examination.path): \(count) (\(examination.kind))"]
    for (index, report) in reports.enumerated() {
      lines.append("")
      lines += block(report, number: index + 1, of: reports.count)
    }
    return lines.joined(separator: "\n")
  }

  static func block(_ report: CrashReport, number: Int, of total: Int) -> [String] {
    var lines: [String] = []
    let prefix = total > 1 ? "[\(number)/\(total)] " : ""
    lines.append(prefix + report.title)
    var kind = report.type == "UNKNOWN" ? "unknown" : report.type
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
    }
    if report.frames.count > traceLimit { lines.append("    ... \(report.frames.count - traceLimit) more") }
    if !marked, let guilty = report.guiltyFrame { lines.append("  guilty:   \(guilty)") }
    return lines
  }
}
