import Foundation

/// The waits and captures of a running guest, each failing with the console's last lines.
struct Stage {
  var request: LabRunRequest
  /// The guest, started with the request's capture method and timeout scale.
  var boot: GuestBoot

  var qemu: QemuProcess { boot.qemu }
  var console: SerialConsole { boot.console }
  var methodName: String { boot.method }

  /// Waits for one of `needles`; throws on a failure line, QEMU's exit or the timeout.
  func waitForConsole(_ needles: [String], failures: [String] = [], what: String, seconds: Double) throws {
    try boot.waitFor(needles, failures: failures, what: what, seconds: seconds)
  }

  /// kdump: the capture kernel boots, copies /proc/vmcore to the disk and powers off.
  /// The disk holds the dump followed by zeros: it is cut to the size the guest reported.
  func collectKdump(disk: URL, to vmcore: URL) throws -> UInt64 {
    try boot.waitForExit(what: "save the vmcore and power off", seconds: 240)
    guard let size = Self.savedSize(in: console.text) else {
      throw LabError.captureFailed(
        method: "kdump", reason: "the capture kernel did not report a saved vmcore",
        consoleTail: console.tail())
    }
    let fm = FileManager.default
    do {
      try fm.moveItem(at: disk, to: vmcore)
      let handle = try FileHandle(forWritingTo: vmcore)
      try handle.truncate(atOffset: size)
      try handle.close()
    } catch {
      throw LabError.io(
        path: vmcore.path, reason: "cannot keep the captured vmcore: \(error.localizedDescription)")
    }
    return size
  }

  /// kdump-coroner: the capture kernel runs `coroner capture` into a folder in its RAM and
  /// writes the folder as a tar onto the disk, then powers off; the host unpacks the tar
  /// (it ends with its own end-of-archive blocks, the zeros after it are never read).
  /// Returns the dump's size.
  func collectCoronerCapture(disk: URL, into folder: URL, benchSeconds: Double = 0) throws -> UInt64 {
    try boot.waitForExit(what: "run coroner capture and power off", seconds: 300 + benchSeconds)
    let text = console.text
    guard text.contains("coroner-lab: capture tar written") else {
      let report = GuestReport.find("capture", in: text)
      throw LabError.captureFailed(
        method: methodName,
        reason: "the capture kernel wrote no capture (coroner capture exit "
          + "\(report?.exitStatus.map(String.init) ?? "unknown"))",
        consoleTail: console.tail())
    }
    let fm = FileManager.default
    try? fm.removeItem(at: folder)
    do {
      try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw LabError.io(path: folder.path, reason: "cannot create: \(error.localizedDescription)")
    }
    try Subprocess.run(["tar", "-xf", disk.path, "-C", folder.path])
    let dump = folder.appendingPathComponent(LabRunner.dumpName)
    let attributes = try? fm.attributesOfItem(atPath: dump.path)
    guard let size = (attributes?[.size] as? NSNumber)?.uint64Value, size > 0 else {
      throw LabError.captureFailed(
        method: methodName, reason: "the capture tar holds no \(LabRunner.dumpName)",
        consoleTail: console.tail())
    }
    return size
  }

  /// The size in `coroner-lab: vmcore size N`: /proc/vmcore in the capture kernel.
  static func vmcoreSize(in text: String) -> UInt64? {
    guard let range = text.range(of: "coroner-lab: vmcore size ") else { return nil }
    return UInt64(text[range.upperBound...].prefix { $0.isNumber })
  }

  /// The size in `coroner-lab: vmcore saved N`.
  static func savedSize(in text: String) -> UInt64? {
    guard let range = text.range(of: "coroner-lab: vmcore saved ") else { return nil }
    let digits = text[range.upperBound...].prefix { $0.isNumber }
    return UInt64(digits)
  }

  /// QEMU methods: once panic() has finished (the guest then idles forever), QEMU writes
  /// the guest's memory through the monitor; the command returns when the file is whole.
  func dumpFromMonitor(socket: String, to vmcore: URL) throws -> UInt64 {
    try waitForConsole(["---[ end Kernel panic"], what: "finish panicking", seconds: 60)
    guard let command = request.capture.monitorCommand(to: vmcore.path) else { return 0 }
    let size = try dump(command, socket: socket, to: vmcore)
    if request.capture == .qemuPaging {
      // The guest idles in panic(): its memory, and so its log, stays as it was.
      let physical = vmcore.deletingLastPathComponent().appendingPathComponent(
        CaptureMethod.physicalCompanion)
      _ = try dump(
        CaptureMethod.qemuELF.monitorCommand(to: physical.path) ?? "", socket: socket, to: physical)
    }
    return size
  }

  /// Runs one `dump-guest-memory` and returns the size of the file it wrote.
  private func dump(_ command: String, socket: String, to vmcore: URL) throws -> UInt64 {
    let reply = try QemuMonitor(socketPath: socket).execute(command, timeout: 300 * request.timeoutScale)
    let lines = reply.split(separator: "\n").map(String.init)
    if let error = lines.first(where: { $0.lowercased().contains("error") }) {
      throw LabError.captureFailed(
        method: request.capture.rawValue, reason: error, consoleTail: console.tail())
    }
    // QEMU creates the file readable by its owner only; the scene is meant to be shared.
    try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: vmcore.path)
    let attributes = try? FileManager.default.attributesOfItem(atPath: vmcore.path)
    guard let size = (attributes?[.size] as? NSNumber)?.uint64Value, size > 0 else {
      throw LabError.captureFailed(
        method: request.capture.rawValue, reason: "QEMU wrote no dump: \(reply)", consoleTail: console.tail())
    }
    return size
  }
}
