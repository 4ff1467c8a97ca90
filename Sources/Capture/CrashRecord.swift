import Dump

/// `crash.json`: the cause of death as far as the capture can tell (the panic
/// message, the CPU and task of the crash scene), what the dump holds, and the
/// SHA-256 of every file saved beside it.
enum CrashRecord {
  /// `stream`: where the dump went when not to `dump.kdump` beside crash.json (a pipe
  /// as makedumpfile's flattened stream).
  static func json(_ report: CaptureSession.Report, source: String, stream: String? = nil) -> String {
    let q = DmesgFormatter.jsonString
    var lines: [String] = []
    lines.append("  \"source\": \(q(source))")
    lines.append("  \"kernel\": {\"release\": \(report.release.map(q) ?? "null")}")
    lines.append("  \"crash\": \(report.scene?.json ?? "null")")
    lines.append("  \"log_records\": \(report.logRecords)")
    let excluded = ExcludedClass.allCases.compactMap { kind in
      report.excluded[kind].map { "\(q(kind.description)): \($0)" }
    }
    lines.append(
      """
        "dump": {"file": \(q(stream ?? CaptureSession.dumpName)), \
      "format": \(stream == nil ? "\"kdump-compressed\"" : "\"flattened kdump-compressed\""), \
      "dump_level": \(report.level.rawValue), "compression": \(q(report.codec.rawValue)), \
      "page_size": \(report.pageSize), "pages_total": \(report.pagesTotal), \
      "pages_excluded": {\(excluded.joined(separator: ", "))}, "pages_dumpable": \(report.pagesDumpable), \
      "pages_written": \(report.pagesWritten), "pages_duplicate": \(report.pagesDuplicate), \
      "pages_unreadable": \(report.pagesUnreadable), \
      "complete": \(report.complete), "source_read": \(q(report.sourceRead)), \
      "error": \(report.error.map { q($0.description) } ?? "null")}
      """)
    let files = report.files.map {
      "    {\"name\": \(q($0.name)), \"bytes\": \($0.bytes), \"sha256\": \($0.sha256.map(q) ?? "null")}"
    }
    lines.append("  \"files\": [\n\(files.joined(separator: ",\n"))\n  ]")
    let timings = report.phaseSeconds.map { "\(q($0.phase)): \(Int(($0.seconds * 1000).rounded()))" }
    lines.append("  \"milliseconds\": {\(timings.joined(separator: ", "))}")
    lines.append("  \"problems\": [\(report.problems.map(q).joined(separator: ", "))]")
    return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
  }
}
