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

  /// The capture kernel's initramfs.
  func captureInitramfs(save: String = GuestInit.rawCopy) throws -> Data {
    try baseTree { GuestInit.captureScript(modules: $0, save: save) }.archive()
  }

  /// The crash guest's initramfs. `detonators` holds the built `.ko` files; `kdump` asks
  /// for kexec, the capture kernel and its initramfs inside, loaded with `kexecAppend`.
  func crashInitramfs(
    scenario: Scenario, detonators: URL?, kdump: (captureInitramfs: Data, append: String)?
  ) throws -> Data {
    var kexecLoad: String?
    if let kdump {
      // kexec_load(2) first (kexec-tools reads /proc/kcore for it), then kexec_file_load(2),
      // so that a self-built kernel with either KEXEC or KEXEC_FILE can arm kdump.
      let arguments =
        "-p \(Self.captureImagePath) --initrd=\(Self.captureInitrdPath) --append=\"\(kdump.append)\""
      kexecLoad = "{ \(Self.kexecPath) \(arguments) || \(Self.kexecPath) -s \(arguments); }"
    }
    var tree = try baseTree { GuestInit.crashScript(scenario: scenario, modules: $0, kexecLoad: kexecLoad) }
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
      try tree.addHostFile(Self.kexec, at: Self.kexecPath)
      for library in try SharedLibraries.of(Self.kexec) {
        try tree.addHostFile(URL(fileURLWithPath: library), at: library)
      }
    }
    return tree.archive()
  }
}
