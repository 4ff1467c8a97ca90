import Foundation

/// One run of the lab: a scenario on a kernel with a capture method, into a folder.
public struct LabRunRequest: Sendable {
  public var scenario: Scenario
  public var kernel: KernelTree
  public var capture: CaptureMethod
  public var out: URL
  public var accelerator: Accelerator
  public var memoryMiB: Int
  public var cpus: Int
  /// Guest memory reserved for the capture kernel (`crashkernel=`).
  public var crashKernelMiB: Int
  /// The default reservation of each method. kdump-coroner's capture kernel runs the small
  /// `coroner-capture` (a 17 MiB initramfs, 13 MiB peak resident) and keeps the dump in a
  /// tmpfs until it is written out: 128 MiB passes the panic scene on 5.10, 6.1 and 6.12,
  /// but leaves 6.12 with 7 MiB free after its 41 MB dump; 160 MiB is that with margin.
  public static func defaultCrashKernelMiB(for capture: CaptureMethod) -> Int {
    capture == .kdumpCoroner ? 160 : 256
  }
  /// The default guest memory: 768 MiB holds the crash guest beside either reservation.
  public static func defaultMemoryMiB(for capture: CaptureMethod) -> Int { 768 }
  /// Scales every timeout: TCG on a loaded 2-core host needs patience.
  public var timeoutScale: Double
  /// For kdump: arm with this `coroner` (`coroner arm`, with `coroner doctor` before and
  /// after, reported on the console) instead of kexec-tools.
  public var guestCoroner: GuestCoroner?
  /// With `guestCoroner`: also save the files the first `coroner doctor` read
  /// (`--save-tree`) into `out/doctor-tree`, a `--root` tree of a fresh lab guest.
  public var saveDoctorTree = false
  /// For kdump-coroner: the capture binary the capture kernel runs (the small
  /// `coroner-capture`, or the whole `coroner`), and its page codec (zlib by
  /// default: Debian's makedumpfile reads zlib and lzo pages only).
  public var captureCoroner: GuestCoroner?
  public var captureCodec = "zlib"
  /// For kdump-coroner: a benchmark the capture kernel runs before its capture
  /// (`CaptureBench`), reported on the console.
  public var captureBench: CaptureBench?

  public init(
    scenario: Scenario, kernel: KernelTree, capture: CaptureMethod, out: URL,
    accelerator: Accelerator = .tcg, memoryMiB: Int? = nil, cpus: Int = 2, crashKernelMiB: Int? = nil,
    timeoutScale: Double = 1, guestCoroner: GuestCoroner? = nil
  ) {
    self.scenario = scenario
    self.kernel = kernel
    self.capture = capture
    self.out = out
    self.accelerator = accelerator
    self.memoryMiB = memoryMiB ?? Self.defaultMemoryMiB(for: capture)
    self.cpus = cpus
    self.crashKernelMiB = crashKernelMiB ?? Self.defaultCrashKernelMiB(for: capture)
    self.timeoutScale = timeoutScale
    self.guestCoroner = guestCoroner
  }

  /// The guest kernel's command line for this run.
  public var kernelParameters: [String] {
    var parameters = ["console=ttyS0"]
    if capture.usesKdump {
      parameters.append("crashkernel=\(crashKernelMiB)M")
      parameters += scenario.kdumpParameters
    }
    return parameters + scenario.kernelParameters
  }

  /// The capture kernel's command line: one CPU, devices reset, and a reboot (which ends
  /// QEMU under -no-reboot) if the capture kernel itself panics.
  public static let captureKernelParameters = "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1"
}

/// Runs lab scenarios.
public struct LabRunner: Sendable {
  public var cache: LabCache

  public init(cache: LabCache = LabCache()) {
    self.cache = cache
  }

  /// Boots, detonates, captures; leaves console.log, vmcore and scene.json in `request.out`.
  public func run(_ request: LabRunRequest, progress: (String) -> Void = { _ in }) throws -> Scene {
    let scenario = request.scenario
    if let reason = scenario.refusal(
      kernel: request.kernel, accelerator: request.accelerator, cpus: request.cpus)
    {
      throw LabError.notRunnable(scenario: scenario.name, kernel: request.kernel.label, reason: reason)
    }
    let fm = FileManager.default
    let work = try GuestBoot.scratch(
      "lab", out: request.out,
      stale: [
        "vmcore", CaptureMethod.physicalCompanion, "console.log", GuestBoot.stalledConsole, "scene.json",
        Self.captureFolder,
      ])
    defer { try? fm.removeItem(at: work) }

    progress("building the guest for \(scenario.name) on \(request.kernel.release)")
    let initrd = work.appendingPathComponent("initramfs.cpio")
    let image = try prepareInitramfs(request, work: work)
    try image.write(to: initrd)
    progress("initramfs: \(image.count >> 20) MiB")
    let vmcore = request.out.appendingPathComponent("vmcore")
    let disk = work.appendingPathComponent("vmcore.disk")
    let command = try qemuCommand(request, initrd: initrd, work: work, disk: disk)

    progress("booting QEMU (\(request.accelerator.rawValue))")
    let boot = try GuestBoot.boot(
      command, work: work, method: request.capture.rawValue, timeoutScale: request.timeoutScale,
      until: ["coroner-lab: detonating"], failures: ["coroner-lab: kexec failed", "coroner-lab: insmod"],
      what: "boot and detonate", seconds: 120)
    let (qemu, console, start) = (boot.qemu, boot.console, boot.started)
    defer { qemu.stop() }
    let stage = Stage(request: request, boot: boot)
    let detonated = Date()
    if request.capture.usesKdump, !console.text.contains("coroner-lab: kdump loaded 1") {
      throw LabError.captureFailed(
        method: request.capture.rawValue, reason: "the capture kernel is not loaded",
        consoleTail: console.tail())
    }
    progress("detonated; waiting for \"\(scenario.marker)\"")
    try stage.waitForConsole(
      [scenario.marker], what: "show \"\(scenario.marker)\"", seconds: 30 + scenario.detectionSeconds)
    let detected = Date()

    progress("capturing with \(request.capture.rawValue)")
    let bytes: UInt64
    var saved = "vmcore"
    switch request.capture {
    case .kdump:
      bytes = try stage.collectKdump(disk: disk, to: vmcore)
    case .kdumpCoroner:
      let folder = request.out.appendingPathComponent(Self.captureFolder)
      bytes = try stage.collectCoronerCapture(
        disk: disk, into: folder, benchSeconds: request.captureBench.map { 300 * Double($0.rounds + 1) } ?? 0)
      saved = Self.captureFolder + "/" + Self.dumpName
    case .qemuELF, .qemuKdump, .qemuELFLa57, .qemuELFNoVmcoreinfo, .qemuPaging:
      bytes = try stage.dumpFromMonitor(socket: command.monitorSocket ?? "", to: vmcore)
    }
    let captured = Date()
    qemu.stop()
    if request.guestCoroner != nil && request.saveDoctorTree {
      try Self.extractDoctorTree(console: console, into: request.out.appendingPathComponent("doctor-tree"))
    }

    var scene = Self.scene(
      request, command: command, vmcore: saved, bytes: bytes, times: [start, detonated, detected, captured])
    scene.rawVmcoreBytes = Stage.vmcoreSize(in: console.text)
    try scene.write(to: request.out)
    return scene
  }

  /// QEMU for this run: the kernel, the initramfs, a monitor socket in the run's own
  /// folder, and for kdump a sparse raw disk the capture kernel writes the dump to.
  func qemuCommand(_ request: LabRunRequest, initrd: URL, work: URL, disk: URL) throws -> QemuCommand {
    var command = QemuCommand(
      kernel: request.kernel.image, serialLog: request.out.appendingPathComponent("console.log").path)
    command.accelerator = request.accelerator
    command.memoryMiB = request.memoryMiB
    command.cpus = request.cpus
    command.initrd = initrd.path
    command.kernelParameters = request.kernelParameters
    command.monitorSocket = work.appendingPathComponent("monitor.sock").path
    command.vmcoreinfoDevice = request.capture.vmcoreinfoDevice
    command.cpuModel = request.capture.cpuModel(request.accelerator)
    if request.capture.usesKdump {
      try Self.createSparseDisk(disk, bytes: UInt64(request.memoryMiB + 64) << 20)
      command.disks = [disk.path]
    }
    return command
  }

  /// scene.json's content; `times` are QEMU's start, detonation, detection and capture.
  static func scene(
    _ request: LabRunRequest, command: QemuCommand, vmcore: String = "vmcore", bytes: UInt64, times: [Date]
  ) -> Scene {
    let kernel = request.kernel
    let scenario = request.scenario
    let at = { (index: Int) in times.indices.contains(index) ? times[index] : Date() }
    return Scene(
      kernel: Scene.Kernel(
        release: kernel.release, label: kernel.label, packageVersion: kernel.packageVersion),
      scenario: scenario.name, expectedKind: scenario.kind, marker: scenario.marker,
      guiltyFunction: scenario.guiltyFunction, capture: request.capture, accelerator: request.accelerator,
      qemuCommandLine: command.shellLine, kernelCommandLine: command.kernelParameters.joined(separator: " "),
      timings: Scene.Timings(
        bootSeconds: seconds(at(0), at(1)), detectSeconds: seconds(at(1), at(2)),
        captureSeconds: seconds(at(2), at(3)), totalSeconds: seconds(at(0), at(3))),
      vmcore: vmcore, vmcoreBytes: bytes,
      vmcoreFilter: request.capture == .kdumpCoroner
        ? "coroner capture --dump-level 31 --compress \(request.captureCodec)" : nil, console: "console.log",
      createdAt: ISO8601DateFormatter().string(from: Date()))
  }

  /// The crash guest's initramfs: detonators built (or reused) for the kernel, and for
  /// kdump the capture kernel's own initramfs inside it.
  func prepareInitramfs(_ request: LabRunRequest, work: URL) throws -> Data {
    let detonators = try GuestBoot.detonators(
      for: request.scenario, kernel: request.kernel, cache: cache, work: work)
    let images = GuestImages(kernel: request.kernel)
    var kdump: (captureInitramfs: Data, append: String)?
    switch request.capture {
    case .kdump:
      kdump = (try images.captureInitramfs(), LabRunRequest.captureKernelParameters)
    case .kdumpCoroner:
      guard let coroner = request.captureCoroner else {
        throw LabError.missingInput(
          path: GuestCoroner.Product.capture.guestPath,
          expected: "a guest build of coroner for the capture kernel")
      }
      let save = GuestInit.coronerCapture(command: coroner.captureCommand, codec: request.captureCodec)
      kdump = (
        try images.captureInitramfs(save: save, coroner: coroner, bench: request.captureBench),
        LabRunRequest.captureKernelParameters
      )
    case .qemuELF, .qemuKdump, .qemuELFLa57, .qemuELFNoVmcoreinfo, .qemuPaging:
      break
    }
    return try images.crashInitramfs(
      scenario: request.scenario, detonators: detonators, kdump: kdump, coroner: request.guestCoroner,
      saveDoctorTree: request.saveDoctorTree)
  }

  /// Unpacks the guest's `doctor-tree` report (a gzipped tar in base64 lines).
  static func extractDoctorTree(console: SerialConsole, into folder: URL) throws {
    guard let report = GuestReport.find("doctor-tree", in: console.text), report.exitStatus == 0,
      let archive = Data(base64Encoded: report.lines.joined())
    else {
      throw LabError.captureFailed(
        method: "kdump", reason: "the guest reported no doctor tree", consoleTail: console.tail())
    }
    let fm = FileManager.default
    try? fm.removeItem(at: folder)
    try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent(".doctor-tree.tar.gz")
    try archive.write(to: file)
    defer { try? fm.removeItem(at: file) }
    try Subprocess.run(["tar", "-xzf", file.path, "-C", folder.path])
  }

  /// The folder of a kdump-coroner run that holds what `coroner capture` saved, and the
  /// dump's name in it (CaptureSession.dumpName).
  public static let captureFolder = "capture"
  public static let dumpName = "dump.kdump"

  static func createSparseDisk(_ url: URL, bytes: UInt64) throws {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    do {
      let handle = try FileHandle(forWritingTo: url)
      try handle.truncate(atOffset: bytes)
      try handle.close()
    } catch {
      throw LabError.io(
        path: url.path, reason: "cannot create the capture disk: \(error.localizedDescription)")
    }
  }

  static func seconds(_ from: Date, _ to: Date) -> Double {
    (to.timeIntervalSince(from) * 100).rounded() / 100
  }
}
