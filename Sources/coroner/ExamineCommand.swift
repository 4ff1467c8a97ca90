import ArgumentParser
import Foundation
import KernelLog

/// `coroner examine FILE... [--json]`: find every crash in each piece of evidence
/// and say what killed the kernel.
struct ExamineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "examine",
    abstract: "Find every kernel crash in console logs, dmesg, journalctl or netconsole captures.",
    discussion: """
      For each file, prints the crash reports found in it: title, kind, task and CPU, \
      kernel, taint, and the trace with the guilty frame marked. `-` reads standard input. \
      With --json, prints one object {"path", "kind", "reports"} per file (JSON Lines).
      """)

  @Argument(help: "Evidence files; `-` for standard input.")
  var files: [String]

  @Flag(help: "Print JSON (one object per file, one per line).")
  var json = false

  func run() throws {
    var failure: ExitCode?
    for (index, path) in files.enumerated() {
      if !json && index > 0 { print("") }
      do {
        let evidence = try EvidenceFile.read(path)
        let examination = try Examination.examine(evidence)
        if json {
          print(try ExamineJSON.line(examination))
        } else {
          print(ExamineSummary.text(examination, showPath: true))
        }
      } catch let error as EvidenceError {
        FileHandle.standardError.write(Data("coroner: \(error.description)\n".utf8))
        failure = failure ?? error.exitCode
      }
    }
    if let failure { throw failure }
  }
}
