import Foundation

/// A running QEMU, started from a `QemuCommand`; its own stdout and stderr go to a file
/// beside the console log.
final class QemuProcess {
  let command: QemuCommand
  private let process = Process()

  init(command: QemuCommand, output: URL) throws {
    self.command = command
    process.executableURL = try Subprocess.resolve(command.binary)
    process.arguments = Array(command.arguments.dropFirst())
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
  }

  func start() throws { try process.run() }

  var isRunning: Bool { process.isRunning }
  var exitStatus: Int32 { process.terminationStatus }

  /// Ends QEMU and waits for it: SIGTERM first, SIGKILL when QEMU is still there after a
  /// grace period. A QEMU started from a libdispatch worker thread inherits that thread's
  /// signal mask, in which SIGTERM is blocked, so SIGTERM alone may never arrive.
  func stop(grace: TimeInterval = 3) {
    guard process.isRunning else { return }
    process.terminate()
    if !wait(until: Date().addingTimeInterval(grace)) {
      kill(process.processIdentifier, SIGKILL)
    }
    process.waitUntilExit()
  }

  /// Waits until QEMU exits or `deadline` passes; true when it exited.
  func wait(until deadline: Date) -> Bool {
    while process.isRunning {
      if Date() >= deadline { return false }
      Thread.sleep(forTimeInterval: 0.1)
    }
    return true
  }

  deinit { stop() }
}
