import ArgumentParser
import Foundation
import Lab

/// `coroner lab`: boot real kernels in QEMU, detonate crashes, capture the scenes.
struct LabCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lab",
    abstract: "Boot a real kernel in QEMU, detonate a crash, capture the scene.",
    subcommands: [LabSetupCommand.self, LabListCommand.self, LabRunCommand.self, LabDebianCommand.self]
  )
}

/// Prints a library error and exits with its sysexits code.
func exitWithLabError(_ error: Error) -> ExitCode {
  if let error = error as? LabError {
    FileHandle.standardError.write(Data("coroner lab: \(error.description)\n".utf8))
    return ExitCode(error.exitCode)
  }
  FileHandle.standardError.write(Data("coroner lab: \(error)\n".utf8))
  return ExitCode(70)
}

func labProgress(_ line: String) {
  FileHandle.standardError.write(Data("lab: \(line)\n".utf8))
}
