import Foundation

/// The whole crash cycle of a Debian system with Coroner installed as a package: the lab's
/// Debian guest (`DebianGuestRoot`) boots with systemd; `coroner doctor` runs before
/// kdump-tools.service (not ready: no capture kernel), kdump-tools loads the capture kernel
/// as it does on any Debian machine, `coroner doctor` runs again (ready), sysrq-c panics
/// it; the capture kernel runs kdump-tools' kdump-tools-dump.service, whose makedumpfile is
/// Coroner (the coroner-makedumpfile package), writes /var/crash/TIMESTAMP and reboots;
/// the next boot's coroner-pstore.service harvests the ramoops record the panic left, and
/// the guest powers off. The host then reads /var/crash out of the disk image.
///
/// The guest is driven by two units of the lab (`coroner-lab-before.service` and
/// `coroner-lab.service`) that run `/usr/local/sbin/coroner-lab` and say what they do
/// on the console as `coroner-lab: ...` lines and `GuestReport`s.
public struct KdumpToolsCycle: Sendable {
  public var guest: DebianGuestRoot
  /// The packages installed in the guest before it boots, in order (coroner, then
  /// coroner-makedumpfile).
  public var debs: [URL]
  public var out: URL
  public var accelerator: Accelerator = .tcg
  /// 1 GiB: Debian's own crashkernel default (384M-:128M) reserves 128 MiB at that size;
  /// the lab reserves `crashKernelMiB` instead.
  public var memoryMiB = 1024
  public var cpus = 2
  /// The capture kernel boots systemd from the disk and runs Coroner's whole binary as
  /// makedumpfile: twice Debian's 128 MiB default leaves it room under TCG.
  public var crashKernelMiB = 256
  public var region = RamoopsRegion()
  public var timeoutScale: Double = 1

  /// The scenario whose crash the cycle causes: sysrq-c.
  public static let scenario = "panic"

  public init(guest: DebianGuestRoot, debs: [URL], out: URL) {
    self.guest = guest
    self.debs = debs
    self.out = out
  }

  /// The first boot's command line. kdump-tools gives the capture kernel this line without
  /// crashkernel= (KDUMP_CMDLINE unset) plus its own KDUMP_CMDLINE_APPEND. `nokaslr` keeps
  /// the kernel off the ramoops region; `crash_kexec_post_notifiers` runs the kmsg dumpers
  /// (ramoops) before the jump to the capture kernel, which otherwise comes first
  /// (kernel/panic.c); `printk.devkmsg=on` lets the lab's lines through /dev/kmsg without
  /// the rate limit systemd's boot would hit; `no_timer_check` skips the IO-APIC timer test
  /// that a loaded host running TCG fails ("IO-APIC + timer doesn't work", a panic at boot).
  public var kernelParameters: [String] {
    [
      "root=/dev/vda", "rw", "console=ttyS0", "crashkernel=\(crashKernelMiB)M", "crash_kexec_post_notifiers",
      "printk.devkmsg=on", "nokaslr", "no_timer_check",
    ]
      + region.kernelParameters
      + region.moduleParameters.split(separator: " ").map { "ramoops." + $0 }
  }

  /// Makes the disk, boots it through the cycle, and leaves console.log and crash/ (the
  /// guest's /var/crash) in `out`.
  public func run(progress: (String) -> Void = { _ in }) throws -> KdumpToolsCycleResult {
    let scenario = try ScenarioCatalogue.named(Self.scenario)
    let work = try GuestBoot.scratch("debian", out: out, stale: ["console.log", "crash"])
    defer { try? FileManager.default.removeItem(at: work) }

    let disk = try DebianGuestDisk.make(
      from: guest, debs: debs, files: DebianGuestDriver.files, freeMiB: memoryMiB + 512, in: work,
      progress: progress)
    progress("disk ready in \(disk.seconds) s")
    var command = GuestBoot.command(
      kernel: disk.kernel.path, initrd: disk.initrd.path, out: out, accelerator: accelerator,
      memoryMiB: memoryMiB, cpus: cpus, kernelParameters: kernelParameters,
      // kdump-tools reboots after saving: RAM, and so ramoops' region, survives QEMU's reset.
      exitOnReboot: false)
    command.disks = [disk.image.path]

    progress("booting Debian \(guest.suite) (\(accelerator.rawValue))")
    let machine = try GuestBoot.start(command, work: work, method: "kdump-tools", timeoutScale: timeoutScale)
    defer { machine.qemu.stop() }
    // kdump-config falls back to copying /proc/vmcore whole when makedumpfile fails.
    let failures = ["coroner-lab: cycle failed", "makedumpfile failed"]
    let wait = { (needles: [String], what: String, seconds: Double) in
      try machine.waitFor(needles, failures: failures, what: what, seconds: seconds)
    }
    try wait(
      ["coroner-lab: detonating"], "boot, run coroner doctor and load kdump-tools' capture kernel", 900)
    let detonated = Date()
    progress("detonated; waiting for the capture, the reboot and the pstore harvest")
    try wait([scenario.marker], "panic", 90)
    try wait(["kdump-tools: saved vmcore in"], "save the dump with kdump-tools in the capture kernel", 900)
    let saved = Date()
    try wait(["coroner-lab: debian cycle done"], "reboot and harvest pstore", 900)
    try machine.waitForExit(what: "power off", seconds: 120)
    let end = Date()
    let crash = out.appendingPathComponent("crash")
    try DebianGuestDisk.extract(["/var/crash"], from: disk.image, into: out)
    return try KdumpToolsCycleResult(
      out: out, crash: crash, console: machine.console.text, diskSeconds: disk.seconds,
      bootSeconds: detonated.timeIntervalSince(machine.started),
      captureSeconds: saved.timeIntervalSince(detonated), totalSeconds: end.timeIntervalSince(machine.started)
    )
  }

}

/// What a cycle left: the guest's reports and the folders it saved.
public struct KdumpToolsCycleResult: Sendable {
  /// `coroner doctor --json` before kdump-tools loaded the capture kernel.
  public var doctorBefore: GuestReport
  /// `coroner doctor` after.
  public var doctorAfter: GuestReport
  /// The boot IDs of the guest's normal boots (not the capture kernel's), without dashes
  /// as systemd's `%b` writes them: the crash boot, then the boot after it.
  public var bootIDs: [String]
  /// The folder kdump-tools saved (`crash/TIMESTAMP`), with the dump and the kernel log.
  public var kdumpFolder: URL
  /// The dump file in it (`dump.TIMESTAMP`).
  public var dump: URL
  /// The folders coroner-pstore.service wrote (`crash/coroner/BOOT-ID/pstore-*`).
  public var pstoreFolders: [URL]
  public var console: String
  /// Host wall-clock seconds: making the disk, QEMU's start to sysrq-c, sysrq-c to the
  /// dump saved, QEMU's start to its exit.
  public var diskSeconds: Double
  public var bootSeconds: Double
  public var captureSeconds: Double
  public var totalSeconds: Double

  init(
    out: URL, crash: URL, console: String, diskSeconds: Double, bootSeconds: Double, captureSeconds: Double,
    totalSeconds: Double
  ) throws {
    let tail = Subprocess.tail(console.replacingOccurrences(of: "\r", with: ""), lines: 25)
    func report(_ name: String) throws -> GuestReport {
      guard let report = GuestReport.find(name, in: console) else {
        throw LabError.captureFailed(
          method: "kdump-tools", reason: "the guest made no \(name) report", consoleTail: tail)
      }
      return report
    }
    doctorBefore = try report("doctor-before")
    doctorAfter = try report("doctor-after")
    bootIDs = console.split(whereSeparator: \.isNewline).compactMap { line in
      guard let range = line.range(of: "coroner-lab: debian boot ") else { return nil }
      return line[range.upperBound...].split(separator: " ").last.map {
        $0.replacingOccurrences(of: "-", with: "")
      }
    }
    let fm = FileManager.default
    let saved = ((try? fm.contentsOfDirectory(atPath: crash.path)) ?? []).filter {
      $0.first?.isNumber == true
    }.sorted()
    guard let stamp = saved.last else {
      throw LabError.missingInput(path: crash.path, expected: "the folder kdump-tools saved (TIMESTAMP)")
    }
    kdumpFolder = crash.appendingPathComponent(stamp)
    let files = (try? fm.contentsOfDirectory(atPath: kdumpFolder.path)) ?? []
    guard let dumpName = files.first(where: { $0.hasPrefix("dump.") }) else {
      throw LabError.missingInput(path: kdumpFolder.path, expected: "kdump-tools' dump.TIMESTAMP")
    }
    dump = kdumpFolder.appendingPathComponent(dumpName)
    let coroner = crash.appendingPathComponent("coroner")
    var pstore: [URL] = []
    for boot in ((try? fm.contentsOfDirectory(atPath: coroner.path)) ?? []).sorted() {
      let folder = coroner.appendingPathComponent(boot)
      for record in ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
      where record.hasPrefix("pstore-") {
        pstore.append(folder.appendingPathComponent(record))
      }
    }
    pstoreFolders = pstore
    self.console = console
    let round = { (value: Double) in (value * 100).rounded() / 100 }
    self.diskSeconds = round(diskSeconds)
    self.bootSeconds = round(bootSeconds)
    self.captureSeconds = round(captureSeconds)
    self.totalSeconds = round(totalSeconds)
  }
}
