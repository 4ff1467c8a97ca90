import Foundation

/// Builds the two initramfs images of a run: the crash guest's and the capture kernel's.
struct GuestImages {
  var kernel: KernelTree
  var modules: KernelModules

  /// busybox-static's binary: the whole userland of both guests.
  static let busybox = URL(fileURLWithPath: "/bin/busybox")
  /// kexec-tools' kexec, which loads the capture kernel inside the crash guest.
  static var kexec: URL { Subprocess.which("kexec") ?? URL(fileURLWithPath: "/usr/sbin/kexec") }
  /// Where the crash guest keeps the capture kernel and its initramfs.
  static let captureImagePath = "/capture/vmlinuz"
  static let captureInitrdPath = "/capture/initramfs.cpio"
  static let kexecPath = "/opt/kexec/kexec"

  init(kernel: KernelTree) {
    self.kernel = kernel
    self.modules = KernelModules(folder: kernel.modulesDir.map { URL(fileURLWithPath: $0) })
  }

  /// A tree with busybox, the boot modules that exist for this kernel, and `/init`.
  func baseTree(init script: (_ moduleNames: [String]) -> String) throws -> InitramfsTree {
    var tree = InitramfsTree()
    try tree.addHostFile(Self.busybox, at: "bin/busybox")
    let present = modules.present(KernelModules.bootOrder)
    for (name, file) in present {
      tree.addFile("lib/modules/\(name).ko", contents: try KernelModules.contents(of: file))
    }
    tree.addFile("init", contents: Data(script(present.map(\.name)).utf8), permissions: 0o755)
    return tree
  }

  /// The capture kernel's initramfs. With `coroner`, the binary and its libraries are in
  /// it too, for a `save` line that runs `coroner capture` (the binary takes about 60 MiB
  /// of the reservation, and as much again once unpacked).
  /// With `bench`, makedumpfile and its libraries are in it too, and the bench runs first.
  func captureInitramfs(
    save: String = GuestInit.rawCopy, coroner: GuestCoroner? = nil, bench: CaptureBench? = nil
  ) throws -> Data {
    let benchScript = coroner.flatMap { coroner in bench?.script(coroner: coroner.captureCommand) } ?? ""
    var tree = try baseTree { GuestInit.captureScript(modules: $0, save: save, bench: benchScript) }
    try coroner?.install(into: &tree)
    if bench != nil {
      try tree.addHostFile(CaptureBench.makedumpfile, at: CaptureBench.makedumpfilePath)
      try tree.addHostLibraries(try SharedLibraries.of(CaptureBench.makedumpfile))
    }
    return tree.archive()
  }

  /// The crash guest's initramfs. `detonators` holds the built `.ko` files; `kdump` asks
  /// for the capture kernel and its initramfs inside, loaded with `kdump.append` by
  /// kexec-tools, or by `coroner arm` when `coroner` is given (which then also runs
  /// `coroner doctor` before and after).
  func crashInitramfs(
    scenario: Scenario, detonators: URL?, kdump: (captureInitramfs: Data, append: String)?,
    coroner: GuestCoroner? = nil, saveDoctorTree: Bool = false
  ) throws -> Data {
    var kexecLoad: String?
    var setup = ""
    var doctor: String?
    if let kdump, coroner != nil {
      kexecLoad = Self.coronerArm(append: kdump.append)
      setup = Self.coronerSetup
      doctor = "\(GuestCoroner.guestPath) doctor --profile lab --dump-dir \(Self.dumpDirectory)"
    } else if let kdump {
      // kexec_load(2) first (kexec-tools reads /proc/kcore for it), then kexec_file_load(2),
      // so that a self-built kernel with either KEXEC or KEXEC_FILE can arm kdump.
      let arguments =
        "-p \(Self.captureImagePath) --initrd=\(Self.captureInitrdPath) --append=\"\(kdump.append)\""
      kexecLoad = "{ \(Self.kexecPath) \(arguments) || \(Self.kexecPath) -s \(arguments); }"
    }
    var tree = try baseTree {
      GuestInit.crashScript(
        scenario: scenario, modules: $0, kexecLoad: kexecLoad, setup: setup, doctor: doctor,
        saveDoctorTree: saveDoctorTree)
    }
    if let module = scenario.module {
      guard let detonators else {
        throw LabError.missingInput(path: module, expected: "a built detonator module")
      }
      try tree.addHostFile(
        detonators.appendingPathComponent("\(module).ko"), at: "lib/detonators/\(module).ko")
    }
    if let kdump {
      try tree.addHostFile(URL(fileURLWithPath: kernel.image), at: Self.captureImagePath, permissions: 0o644)
      tree.addFile(Self.captureInitrdPath, contents: kdump.captureInitramfs)
      if let coroner {
        try coroner.install(into: &tree)
        try addKernelConfig(to: &tree)
      } else {
        try tree.addHostFile(Self.kexec, at: Self.kexecPath)
        try tree.addHostLibraries(try SharedLibraries.of(Self.kexec))
      }
    }
    return tree.archive()
  }

  /// Where `coroner doctor` in the guest expects dumps to go.
  static let dumpDirectory = "/var/crash"

  /// Before `coroner doctor` runs: the lab saves its dump to a raw virtio disk, not to a
  /// file system, so the dump directory is a tmpfs sized like that disk (RAM and a margin)
  /// to stand for it; tmpfs takes its pages only when written.
  static let coronerSetup = """
    mkdir -p \(dumpDirectory)
    mount -t tmpfs -o size=$(( $(grep MemTotal /proc/meminfo | tr -dc 0-9) * 2 ))k tmpfs \(dumpDirectory)

    """

  /// `coroner arm` with the lab profile, reported line by line to the console.
  static func coronerArm(append: String) -> String {
    let words = append.split(separator: " ").filter { !$0.hasPrefix("console=") }
    let appendOptions = words.map { " --append \($0)" }.joined()
    return "report arm \(GuestCoroner.guestPath) arm --profile lab --kernel \(captureImagePath)"
      + " --initrd \(captureInitrdPath)\(appendOptions)"
  }

  /// The kernel's build configuration at `/boot/config-RELEASE`, where `doctor` reads it
  /// (Debian kernels have no /proc/config.gz).
  func addKernelConfig(to tree: inout InitramfsTree) throws {
    let config = URL(fileURLWithPath: kernel.image).deletingLastPathComponent()
      .appendingPathComponent("config-\(kernel.release)")
    guard FileManager.default.fileExists(atPath: config.path) else { return }
    try tree.addHostFile(config, at: "/boot/config-\(kernel.release)", permissions: 0o644)
  }
}

extension GuestImages {
  /// The pstore guest's initramfs: the boot modules, reed_solomon and ramoops (Debian
  /// builds CONFIG_PSTORE_RAM=m, and ramoops needs reed_solomon for its ECC code), the
  /// scenario's detonator and `coroner`.
  func pstoreInitramfs(
    scenario: Scenario, detonators: URL?, ramoops: RamoopsRegion, coroner: GuestCoroner
  ) throws -> Data {
    guard let ramoopsFile = modules.files["ramoops"] else {
      throw LabError.missingInput(
        path: kernel.modulesDir ?? kernel.image, expected: "ramoops.ko (CONFIG_PSTORE_RAM=m)")
    }
    let present = modules.present(KernelModules.bootOrder + ["reed_solomon"])
    var tree = InitramfsTree()
    try tree.addHostFile(Self.busybox, at: "bin/busybox")
    for (name, file) in present {
      tree.addFile("lib/modules/\(name).ko", contents: try KernelModules.contents(of: file))
    }
    tree.addFile("lib/modules/ramoops.ko", contents: try KernelModules.contents(of: ramoopsFile))
    let script = GuestInit.pstoreScript(
      scenario: scenario, modules: present.map(\.name), ramoops: ramoops.moduleParameters,
      coroner: GuestCoroner.guestPath)
    tree.addFile("init", contents: Data(script.utf8), permissions: 0o755)
    if let module = scenario.module {
      guard let detonators else {
        throw LabError.missingInput(path: module, expected: "a built detonator module")
      }
      try tree.addHostFile(
        detonators.appendingPathComponent("\(module).ko"), at: "lib/detonators/\(module).ko")
    }
    try coroner.install(into: &tree)
    return tree.archive()
  }
}

extension GuestImages {
  /// The netconsole guest's initramfs: the boot modules, the NIC and netconsole's modules,
  /// the scenario's detonator, and with `ramoops` the pstore modules as the pstore guest
  /// has them.
  func netconsoleInitramfs(
    scenario: Scenario, detonators: URL?, target: NetconsoleTarget, ramoops: RamoopsRegion?
  ) throws -> Data {
    guard let netconsoleFile = modules.files["netconsole"] else {
      throw LabError.missingInput(
        path: kernel.modulesDir ?? kernel.image, expected: "netconsole.ko (CONFIG_NETCONSOLE=m)")
    }
    var names = KernelModules.bootOrder + KernelModules.networkOrder
    if ramoops != nil { names.append("reed_solomon") }
    let present = modules.present(names)
    var tree = InitramfsTree()
    try tree.addHostFile(Self.busybox, at: "bin/busybox")
    for (name, file) in present {
      tree.addFile("lib/modules/\(name).ko", contents: try KernelModules.contents(of: file))
    }
    tree.addFile("lib/modules/netconsole.ko", contents: try KernelModules.contents(of: netconsoleFile))
    if ramoops != nil {
      guard let ramoopsFile = modules.files["ramoops"] else {
        throw LabError.missingInput(
          path: kernel.modulesDir ?? kernel.image, expected: "ramoops.ko (CONFIG_PSTORE_RAM=m)")
      }
      tree.addFile("lib/modules/ramoops.ko", contents: try KernelModules.contents(of: ramoopsFile))
    }
    let script = GuestInit.netconsoleScript(
      scenario: scenario, modules: present.map(\.name), target: target, ramoops: ramoops?.moduleParameters)
    tree.addFile("init", contents: Data(script.utf8), permissions: 0o755)
    if let module = scenario.module {
      guard let detonators else {
        throw LabError.missingInput(path: module, expected: "a built detonator module")
      }
      try tree.addHostFile(
        detonators.appendingPathComponent("\(module).ko"), at: "lib/detonators/\(module).ko")
    }
    return tree.archive()
  }
}
