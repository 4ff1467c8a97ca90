import ArgumentParser
import Foundation
import KernelLog

/// `coroner examine FILE... [--json]`: find every crash in each piece of evidence
/// and say what killed the kernel.
struct ExamineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "examine",
    abstract: "Find every kernel crash in vmcores, console logs, dmesg, journalctl or netconsole captures.",
    discussion: """
      For each file, prints the crash reports found in it: title, kind, task and CPU, \
      kernel, taint, and the trace with the guilty frame marked. `-` reads standard input. \
      With --json, prints one object {"path", "kind", "reports"} per file (JSON Lines). \
      A vmcore (ELF, kdump-compressed or flattened) is read through its kernel log, and \
      the report that killed the kernel gains the crashing CPU's registers and task from \
      the dump, register values named from the dump's own kallsyms (Linux 6.0+). With \
      --vmlinux or --debug-dir, frames get file:line and inline chains, and the guilty \
      frame's file is named.
      """)

  @Argument(help: "Evidence files; `-` for standard input.")
  var files: [String]

  @Flag(help: "Print JSON (one object per file, one per line).")
  var json = false

  @Option(help: "The vmlinux with debug info, for file:line of every frame.")
  var vmlinux: String?

  @Option(help: "Debug file tree to search (boot/vmlinux-REL, lib/modules/REL, .build-id).")
  var debugDir: String?

  @Option(help: "Folder searched for module debug files (NAME.ko, NAME.ko.debug).")
  var modules: String?

  func run() throws {
    var failure: ExitCode?
    for (index, path) in files.enumerated() {
      if !json && index > 0 { print("") }
      do {
        let evidence = try EvidenceFile.read(path)
        let options = ExamineOptions(vmlinux: vmlinux, debugDirectory: debugDir, modulesDirectory: modules)
        let examination = try Examination.examine(evidence, options: options)
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
