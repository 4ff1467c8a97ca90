import Foundation

/// Guest RAM set aside for ramoops (fs/pstore/ram.c): hidden from the kernel's allocator
/// with `memmap=SIZE!ADDRESS` (Documentation/admin-guide/kernel-parameters.txt, "legacy
/// persistent memory"), so the records of one boot are still there in the next.
public struct RamoopsRegion: Sendable, Equatable {
  public var address: UInt64 = 0x1000_0000
  public var size: UInt64 = 0x10_0000
  public var recordSize: UInt64 = 0x2_0000
  public var consoleSize: UInt64 = 0x2_0000

  public init() {}

  /// At 256 MiB: above the kernel image (loaded at 16 MiB without KASLR) and below the
  /// initramfs, which QEMU puts at the top of low memory on every boot, reset included.
  public var kernelParameters: [String] {
    ["memmap=\(size >> 10)K!0x\(String(address, radix: 16))"]
  }

  /// `insmod ramoops.ko` arguments (Documentation/admin-guide/ramoops.rst).
  public var moduleParameters: String {
    [
      "mem_address=0x\(String(address, radix: 16))", "mem_size=0x\(String(size, radix: 16))",
      "record_size=0x\(String(recordSize, radix: 16))", "console_size=0x\(String(consoleSize, radix: 16))",
    ].joined(separator: " ")
  }
}

/// One pstore round trip: what the second boot recovered.
public struct PstoreRoundTripResult: Sendable {
  /// `coroner pstore`'s output in the second boot.
  public var harvest: GuestReport
  /// The recovered kmsg dump(s), as `coroner pstore` wrote them; also in `pstore-dmesg.txt`.
  public var recoveredLog: String
  /// Host wall-clock seconds from QEMU's start to its exit after the second boot.
  public var seconds: Double
}

/// The pstore path in the lab, without kdump: a guest with ramoops panics, QEMU resets it
/// (no -no-reboot; RAM survives a system reset), and the next boot runs `coroner pstore`.
public struct PstoreRoundTrip: Sendable {
  public var scenario: Scenario
  public var kernel: KernelTree
  public var coroner: GuestCoroner
  public var out: URL
  public var accelerator: Accelerator = .tcg
  public var memoryMiB = 768
  public var cpus = 2
  public var region = RamoopsRegion()
  public var timeoutScale: Double = 1
  public var cache = LabCache()

  public init(scenario: Scenario, kernel: KernelTree, coroner: GuestCoroner, out: URL) {
    self.scenario = scenario
    self.kernel = kernel
    self.coroner = coroner
    self.out = out
  }

  /// The kernel command line of both boots: `panic=1` makes the panic reboot; `nokaslr`
  /// keeps the kernel image off the region whatever the decompressor would pick.
  public var kernelParameters: [String] {
    ["console=ttyS0", "panic=1", "nokaslr"] + region.kernelParameters + scenario.kernelParameters
  }

  /// Boots twice; leaves console.log and pstore-dmesg.txt in `out`.
  public func run(progress: (String) -> Void = { _ in }) throws -> PstoreRoundTripResult {
    if let reason = scenario.refusal(kernel: kernel, accelerator: accelerator) {
      throw LabError.notRunnable(scenario: scenario.name, kernel: kernel.label, reason: reason)
    }
    let work = try GuestBoot.scratch(
      "pstore", out: out, stale: ["console.log", GuestBoot.stalledConsole, "pstore-dmesg.txt"])
    defer { try? FileManager.default.removeItem(at: work) }

    progress("building the pstore guest for \(scenario.name) on \(kernel.release)")
    let detonators = try GuestBoot.detonators(for: scenario, kernel: kernel, cache: cache, work: work)
    let initrd = work.appendingPathComponent("initramfs.cpio")
    let image = try GuestImages(kernel: kernel).pstoreInitramfs(
      scenario: scenario, detonators: detonators, ramoops: region, coroner: coroner)
    try image.write(to: initrd)
    progress("initramfs: \(image.count >> 20) MiB")

    let command = GuestBoot.command(
      kernel: kernel.image, initrd: initrd.path, out: out, accelerator: accelerator, memoryMiB: memoryMiB,
      cpus: cpus, kernelParameters: kernelParameters, exitOnReboot: false)

    progress("booting QEMU (\(accelerator.rawValue)); the panic resets the guest")
    let failures = ["coroner-lab: insmod", "coroner-lab: cannot mount pstore"]
    let guest = try GuestBoot.boot(
      command, work: work, method: "pstore", timeoutScale: timeoutScale, until: ["coroner-lab: detonating"],
      failures: failures, what: "boot and detonate", seconds: 120)
    defer { guest.qemu.stop() }
    try guest.waitFor(
      [scenario.marker], what: "show \"\(scenario.marker)\"", seconds: 30 + scenario.detectionSeconds)
    progress("panicked; waiting for the second boot to recover the log")
    try guest.waitFor(
      ["coroner-lab: pstore round trip done"], failures: failures, what: "reboot and harvest pstore",
      seconds: 180)
    try guest.waitForExit(what: "power off after the harvest", seconds: 60)
    let seconds = guest.secondsSinceStart

    let text = guest.console.text
    guard let harvest = GuestReport.find("pstore-harvest", in: text), harvest.exitStatus == 0,
      let dmesg = GuestReport.find("pstore-dmesg", in: text), dmesg.exitStatus == 0
    else {
      throw LabError.captureFailed(
        method: "pstore", reason: "coroner pstore recovered no kmsg dump", consoleTail: guest.console.tail())
    }
    let saved = out.appendingPathComponent("pstore-dmesg.txt")
    do {
      try Data(dmesg.text.utf8).write(to: saved)
    } catch {
      throw LabError.io(path: saved.path, reason: "cannot write: \(error.localizedDescription)")
    }
    return PstoreRoundTripResult(harvest: harvest, recoveredLog: dmesg.text, seconds: seconds)
  }
}
