import ArgumentParser
import Examine
import Foundation

/// `coroner examine FILE... [--json]`: find every crash in each piece of evidence
/// and say what killed the kernel. Argument parsing and printing only: the Examine
/// library does the work.
struct ExamineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "examine",
    abstract:
      "Find every kernel crash in vmcores, console logs, dmesg, journalctl, pstore or netconsole captures.",
    discussion: """
      For each file, prints the crash reports found in it: title, kind, task and CPU, \
      kernel, taint, and the trace with the guilty frame marked. `-` reads standard input; \
      a folder is read as pstore records. With --json, prints one object \
      {"path", "kind", "reports", "problems"} per file (JSON Lines). A vmcore (ELF, \
      kdump-compressed, flattened or split) is read through its kernel log, and the \
      report that killed the kernel gains the crashing CPU's registers and task from the \
      dump, register values named from the dump's own kallsyms (Linux 6.0+). With \
      --vmlinux or --debug-dir, frames get file:line and inline chains, and the guilty \
      frame's file is named. "problems" lists what the evidence lacks (truncation, lost \
      records, unreadable symbols). Exit status: 0 examined; 65 a file is not evidence, \
      cannot be read as its format, or is too damaged to conclude (no crash found in a \
      damaged log); 66 missing or unreadable; 74 I/O error.

      --stream prints each report of a console log as soon as the scan has found it, in \
      log order (the report that panicked marked "panicked", not moved first), and keeps \
      one report in memory whatever the log holds: for logs of thousands of crashes. \
      With --json it prints JSON Lines: {"path", "report"} per report, then \
      {"path", "kind", "reports" (the count), "problems"} closing each file.
      """)

  @Argument(help: "Evidence files or pstore folders; `-` for standard input.")
  var files: [String]

  @Flag(help: "Print JSON (one object per file, one per line).")
  var json = false

  @Flag(help: "Print each report as soon as it is found, in log order (JSON Lines with --json).")
  var stream = false

  @Option(help: "The vmlinux with debug info, for file:line of every frame.")
  var vmlinux: String?

  @Option(help: "Debug file tree to search (boot/vmlinux-REL, lib/modules/REL, .build-id).")
  var debugDir: String?

  @Option(help: "Folder searched for module debug files (NAME.ko, NAME.ko.debug).")
  var modules: String?

  func run() throws {
    let examiner = Examiner(
      options: ExamineOptions(vmlinux: vmlinux, debugDirectory: debugDir, modulesDirectory: modules))
    var failure: ExitCode?
    for (index, path) in files.enumerated() {
      if !json && index > 0 { print("") }
      do {
        let conclusive: Bool
        if stream {
          conclusive = try ExamineStreamOutput(json: json).examine(path, with: examiner)
        } else {
          let cause = try examiner.examine(path: path)
          print(json ? try ExamineJSON.line(cause) : ExamineSummary.text(cause))
          conclusive = cause.isConclusive
        }
        if !conclusive {
          Self.error("\(path): too damaged to conclude: no crash found, and the log is damaged")
          failure = failure ?? ExitCode(65)
        }
      } catch let error as ExamineError {
        Self.error(error.description)
        failure = failure ?? Self.exitCode(error)
      }
    }
    if let failure { throw failure }
  }

  static func error(_ text: String) {
    FileHandle.standardError.write(Data("coroner: \(text)\n".utf8))
  }

  /// sysexits: EX_NOINPUT for missing or unreadable input, EX_IOERR, EX_DATAERR.
  static func exitCode(_ error: ExamineError) -> ExitCode {
    switch error {
    case .missing, .unreadable: return ExitCode(66)
    case .io: return ExitCode(74)
    case .badData: return ExitCode(65)
    }
  }
}
