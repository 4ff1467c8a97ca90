import Foundation

/// What every lab guest run shares, whatever it captures (`LabRun`, `NetconsoleRun`,
/// `PstoreRoundTrip`, `KdumpToolsCycle`): a scratch folder beside the scene's, the
/// detonator modules for its kernel, QEMU started on a serial console, and waits on what
/// that console says.
struct GuestBoot {
  let qemu: QemuProcess
  let console: SerialConsole
  /// QEMU's own standard output and error, quoted when it exits early.
  let qemuOutput: URL
  /// When QEMU was started, for the run's wall-clock figures.
  let started: Date
  /// The capture method errors name.
  let method: String
  let timeoutScale: Double

  /// Makes `out` and a scratch folder named `coroner-PURPOSE-ID` in the temporary
  /// directory, after removing from `out` what an earlier run left there (a scene left by
  /// an earlier run must not be read as this one's). The caller removes the scratch folder.
  static func scratch(_ purpose: String, out: URL, stale: [String]) throws -> URL {
    let fm = FileManager.default
    try fm.createDirectory(at: out, withIntermediateDirectories: true)
    let work = fm.temporaryDirectory.appendingPathComponent(
      "coroner-\(purpose)-\(UUID().uuidString.prefix(8))")
    try fm.createDirectory(at: work, withIntermediateDirectories: true)
    for name in stale { try? fm.removeItem(at: out.appendingPathComponent(name)) }
    return work
  }

  /// The detonator modules of `scenario` built for `kernel` (nil for scenarios without a
  /// module): kept in the lab cache per release, or in `work` for a custom kernel, whose
  /// release string says nothing about its build.
  static func detonators(
    for scenario: Scenario, kernel: KernelTree, cache: LabCache, work: URL
  ) throws -> URL? {
    guard scenario.module != nil else { return nil }
    let folder =
      kernel.label == "custom"
      ? work.appendingPathComponent("detonators") : cache.detonatorDir(release: kernel.release)
    return try DetonatorBuilder(kernel: kernel).build(into: folder)
  }

  /// The QEMU command of a guest that boots `kernel` with `initrd` and writes its serial
  /// console to `out/console.log`, without the vmcoreinfo device (no QEMU dump is taken).
  static func command(
    kernel: String, initrd: String, out: URL, accelerator: Accelerator, memoryMiB: Int, cpus: Int,
    kernelParameters: [String], exitOnReboot: Bool
  ) -> QemuCommand {
    var command = QemuCommand(kernel: kernel, serialLog: out.appendingPathComponent("console.log").path)
    command.accelerator = accelerator
    command.memoryMiB = memoryMiB
    command.cpus = cpus
    command.initrd = initrd
    command.kernelParameters = kernelParameters
    command.exitOnReboot = exitOnReboot
    command.vmcoreinfoDevice = false
    return command
  }

  /// Starts QEMU on `command`; its output goes to `work/qemu.out`. The caller stops it.
  static func start(
    _ command: QemuCommand, work: URL, method: String, timeoutScale: Double
  ) throws -> GuestBoot {
    let qemuOutput = work.appendingPathComponent("qemu.out")
    let qemu = try QemuProcess(command: command, output: qemuOutput)
    let console = SerialConsole(path: URL(fileURLWithPath: command.serialLog))
    let started = Date()
    try qemu.start()
    return GuestBoot(
      qemu: qemu, console: console, qemuOutput: qemuOutput, started: started, method: method,
      timeoutScale: timeoutScale)
  }

  /// The line the kernel prints as it starts the initramfs' /init (init/main.c,
  /// run_init_process()): before it, only the kernel's own boot has run.
  static let userSpaceStarted = "Run /init as init process"

  /// Where `boot` keeps the console of a boot that stalled, beside the serial log (a
  /// run's `console.log`), which the next boot writes anew.
  static let stalledConsole = "console.log.stalled"

  /// Starts QEMU on `command` and waits, as `waitFor`, for the guest's first `needles`.
  /// When that wait times out before the kernel started /init, QEMU is stopped and the
  /// guest booted once more: under TCG a kernel now and then stops for good early in its
  /// own boot (6.1 seen silent for 240 s right after "clocksource: Switched to clocksource
  /// hpet"), which says nothing about the scenario the run detonates. A timeout after
  /// /init started, a failure line, QEMU's exit and a second stall all throw as before.
  static func boot(
    _ command: QemuCommand, work: URL, method: String, timeoutScale: Double,
    until needles: [String], failures: [String] = [], what: String, seconds: Double
  ) throws -> GuestBoot {
    var attempt = 1
    while true {
      let guest = try start(command, work: work, method: method, timeoutScale: timeoutScale)
      do {
        try guest.waitFor(needles, failures: failures, what: what, seconds: seconds)
        return guest
      } catch LabError.guestTimeout(let stage, let limit, let tail)
        where attempt < 2 && !guest.console.text.contains(userSpaceStarted)
      {
        guest.qemu.stop()
        // The stalled boot's console is kept beside the next one's, and the retry said on
        // standard error whatever the caller does with progress: it is a fact of the run.
        let serial = URL(fileURLWithPath: command.serialLog)
        let stalled = serial.deletingLastPathComponent().appendingPathComponent(stalledConsole)
        try? FileManager.default.removeItem(at: stalled)
        try? FileManager.default.moveItem(at: serial, to: stalled)
        let notice =
          "coroner lab: the guest's kernel stalled in its own boot (no /init after \(Int(limit)) s, "
          + "waiting to \(stage)); booting it once more. Its console, kept in \(stalled.path), ended:\n\(tail)\n"
        FileHandle.standardError.write(Data(notice.utf8))
        attempt += 1
      } catch {
        guest.qemu.stop()
        throw error
      }
    }
  }

  /// Waits for one of `needles` within `seconds` times the run's timeout scale: the
  /// needle found returns; a failure line the guest printed, QEMU's exit (with what it
  /// said) and the deadline each throw, naming `what` the guest was doing.
  func waitFor(_ needles: [String], failures: [String] = [], what: String, seconds: Double) throws {
    let limit = seconds * timeoutScale
    let result = console.waitFor(
      needles, failures: failures, qemu: qemu, deadline: Date().addingTimeInterval(limit))
    if result.found != nil { return }
    if let failure = result.failure {
      throw LabError.captureFailed(
        method: method, reason: "the guest said \"\(failure)\"", consoleTail: console.tail())
    }
    if !qemu.isRunning {
      let said = (try? String(contentsOf: qemuOutput, encoding: .utf8)) ?? ""
      throw LabError.captureFailed(
        method: method,
        reason: "QEMU exited (status \(qemu.exitStatus)) before the guest could \(what). \(said)",
        consoleTail: console.tail())
    }
    throw LabError.guestTimeout(stage: what, seconds: limit, consoleTail: console.tail())
  }

  /// Waits for QEMU to exit (the guest powered off) within `seconds` times the scale.
  func waitForExit(what: String, seconds: Double) throws {
    let limit = seconds * timeoutScale
    guard qemu.wait(until: Date().addingTimeInterval(limit)) else {
      throw LabError.guestTimeout(stage: what, seconds: limit, consoleTail: console.tail())
    }
  }

  /// Seconds since QEMU started, to the hundredth.
  var secondsSinceStart: Double { (Date().timeIntervalSince(started) * 100).rounded() / 100 }
}
