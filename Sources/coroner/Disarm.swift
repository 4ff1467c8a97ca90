import ArgumentParser
import Capture

/// `coroner disarm`: unload the capture kernel.
struct Disarm: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Unload the capture kernel (kexec_file_load with KEXEC_FILE_UNLOAD).")

  @Flag(name: .customLong("dry-run"), help: "Print what would be done and do nothing.")
  var dryRun = false

  func run() throws {
    if dryRun {
      print(
        "would unload the crash kernel: kexec_file_load(-1, -1, 0, NULL, KEXEC_FILE_UNLOAD|KEXEC_FILE_ON_CRASH)"
      )
      print("would remove \(ArmRecord.path)")
      return
    }
    do {
      try Arming(root: SystemRoot()).disarm()
    } catch {
      CaptureTerminal.error("error: \(error)")
      throw ExitCode(74)
    }
    print("disarmed: no capture kernel is loaded")
  }
}
