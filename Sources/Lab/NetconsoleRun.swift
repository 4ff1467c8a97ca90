import Foundation

/// What a netconsole run left: the serial console (what the host saw of the same boot,
/// to compare with what arrived over UDP) and, with pstore, the records of the panic.
public struct NetconsoleRunResult: Sendable {
  public var console: String
  /// The guest's /sys/fs/pstore files, unpacked on the host; nil without pstore.
  public var pstoreFolder: URL?
  /// Host wall-clock seconds from QEMU's start to the panic on the serial console.
  public var secondsToPanic: Double
}

/// A lab guest whose kernel log goes to a collector over netconsole: it boots with a
/// NIC on QEMU's user network, loads netconsole aimed at the host, and detonates.
/// No dump is taken: the evidence is what arrived on the host's UDP port (and the serial
/// console, kept to compare). With `pstore`, the panic is also kept in ramoops and the
/// guest resets once to report the records, as `PstoreRoundTrip` does without `coroner`.
public struct NetconsoleRun: Sendable {
  public var scenario: Scenario
  public var kernel: KernelTree
  public var target: NetconsoleTarget
  public var out: URL
  public var pstore = false
  public var accelerator: Accelerator = .tcg
  public var memoryMiB = 768
  public var cpus = 2
  public var region = RamoopsRegion()
  public var timeoutScale: Double = 1
  public var cache = LabCache()

  public init(scenario: Scenario, kernel: KernelTree, target: NetconsoleTarget, out: URL) {
    self.scenario = scenario
    self.kernel = kernel
    self.target = target
    self.out = out
  }

  /// Without pstore the dead guest stays up (no `panic=`) until `whileDead` returns,
  /// so the host can watch what arrived; with pstore, `panic=1` resets it and, as for
  /// `PstoreRoundTrip`, `nokaslr` and `memmap=` keep the kernel off the ramoops region.
  ///
  /// `no_timer_check` (arch/x86/kernel/apic/io_apic.c) skips the boot-time check that
  /// the IO-APIC timer ticks: TCG on a loaded host ticks too slowly for it and the guest
  /// panics with "IO-APIC + timer doesn't work!" before /init (seen at load 30 on 2 cores).
  public var kernelParameters: [String] {
    var parameters = ["console=ttyS0", "no_timer_check"]
    if pstore { parameters += ["panic=1", "nokaslr"] + region.kernelParameters }
    return parameters + scenario.kernelParameters
  }

  /// The guest's NIC: QEMU's e1000, whose transmit runs inside the guest's doorbell
  /// write (QEMU hw/net/e1000.c, `start_xmit` from the TDT register), so a burst that
  /// netpoll sends from the crashing CPU leaves as fast as the guest writes it. With
  /// virtio-net QEMU drains the ring later, from its main loop; under TCG on a loaded
  /// host the ring filled during the oops, netpoll dropped what did not fit, and the
  /// collector saw a partial or no report in about one 6.12 boot in six (18 boots, 3
  /// failures, one with 4 records of the boot and nothing after).
  public static let networkDevice = "e1000"

  /// The name of the folder in `out` that receives the pstore records.
  public static let pstoreFolder = "pstore"

  /// Boots, detonates, waits for the panic on the serial console, calls `whileDead`
  /// (the guest is still up without pstore, powered off with it), and stops QEMU.
  public func run(
    progress: (String) -> Void = { _ in }, whileDead: () throws -> Void = {}
  ) throws -> NetconsoleRunResult {
    if let reason = scenario.refusal(kernel: kernel, accelerator: accelerator) {
      throw LabError.notRunnable(scenario: scenario.name, kernel: kernel.label, reason: reason)
    }
    let work = try GuestBoot.scratch(
      "netconsole", out: out, stale: ["console.log", GuestBoot.stalledConsole, Self.pstoreFolder])
    defer { try? FileManager.default.removeItem(at: work) }

    progress("building the netconsole guest for \(scenario.name) on \(kernel.release)")
    let detonators = try GuestBoot.detonators(for: scenario, kernel: kernel, cache: cache, work: work)
    let initrd = work.appendingPathComponent("initramfs.cpio")
    let image = try GuestImages(kernel: kernel).netconsoleInitramfs(
      scenario: scenario, detonators: detonators, target: target, ramoops: pstore ? region : nil)
    try image.write(to: initrd)

    var command = GuestBoot.command(
      kernel: kernel.image, initrd: initrd.path, out: out, accelerator: accelerator, memoryMiB: memoryMiB,
      cpus: cpus, kernelParameters: kernelParameters, exitOnReboot: !pstore)
    command.userNetworkDevice = Self.networkDevice

    progress("booting QEMU (\(accelerator.rawValue)) with netconsole to \(target.moduleParameter)")
    let failures = [
      "coroner-lab: insmod", "coroner-lab: no \(NetconsoleTarget.device)", "coroner-lab: no carrier",
      "coroner-lab: cannot mount pstore",
    ]
    // netconsole is loaded by /init, so a boot retried before /init sent nothing.
    let guest = try GuestBoot.boot(
      command, work: work, method: "netconsole", timeoutScale: timeoutScale,
      until: ["coroner-lab: detonating"],
      failures: failures, what: "boot, load netconsole and detonate", seconds: 120)
    defer { guest.qemu.stop() }
    try guest.waitFor(
      [scenario.marker], what: "show \"\(scenario.marker)\"", seconds: 30 + scenario.detectionSeconds)
    let secondsToPanic = guest.secondsSinceStart
    var pstoreFolder: URL?
    if pstore {
      progress("panicked; waiting for the second boot to report the pstore records")
      try guest.waitFor(
        ["coroner-lab: pstore records reported"], failures: failures, what: "reboot and report pstore",
        seconds: 180)
      let folder = out.appendingPathComponent(Self.pstoreFolder)
      try Self.unpack("pstore-files", console: guest.console, into: folder)
      pstoreFolder = folder
    } else {
      // The panic's last line: what follows is silence, the end the collector must see.
      try guest.waitFor(["---[ end Kernel panic"], what: "finish the panic", seconds: 60)
    }
    try whileDead()
    return NetconsoleRunResult(
      console: guest.console.text, pstoreFolder: pstoreFolder, secondsToPanic: secondsToPanic)
  }

  /// Unpacks a guest report that is a gzipped tar in base64 lines.
  static func unpack(_ name: String, console: SerialConsole, into folder: URL) throws {
    guard let report = GuestReport.find(name, in: console.text), report.exitStatus == 0,
      let archive = Data(base64Encoded: report.lines.joined())
    else {
      throw LabError.captureFailed(
        method: "netconsole", reason: "the guest reported no \(name) archive", consoleTail: console.tail())
    }
    let fm = FileManager.default
    try? fm.removeItem(at: folder)
    try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.deletingLastPathComponent().appendingPathComponent(".\(name).tar.gz")
    try archive.write(to: file)
    defer { try? fm.removeItem(at: file) }
    try Subprocess.run(["tar", "-xzf", file.path, "-C", folder.path])
  }
}
