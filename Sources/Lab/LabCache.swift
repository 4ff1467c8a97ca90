import Foundation

/// The lab's cache folder: unpacked kernels, their apt configurations, built detonators.
/// It lives outside the repository, in `$XDG_CACHE_HOME/coroner/lab` or
/// `~/.cache/coroner/lab`.
public struct LabCache: Sendable {
  public var root: URL

  public init(root: URL = LabCache.defaultRoot()) {
    self.root = root
  }

  public static func defaultRoot() -> URL {
    let env = ProcessInfo.processInfo.environment
    let base: URL
    if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty {
      base = URL(fileURLWithPath: xdg)
    } else {
      base = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
    }
    return base.appendingPathComponent("coroner/lab")
  }

  func aptRoot(_ kernel: DebianKernel) -> URL { root.appendingPathComponent("apt/\(kernel.suite)") }
  func debsDir(_ kernel: DebianKernel) -> URL { root.appendingPathComponent("debs/\(kernel.suite)") }
  func kernelRoot(_ kernel: DebianKernel) -> URL {
    root.appendingPathComponent("kernels/\(kernel.cacheName)")
  }
  func stampFile(_ kernel: DebianKernel) -> URL {
    root.appendingPathComponent("kernels/\(kernel.cacheName).json")
  }
  /// Where detonators built for a kernel release are kept.
  func detonatorDir(release: String) -> URL { root.appendingPathComponent("detonators/\(release)") }
  var hostFile: URL { root.appendingPathComponent("host.json") }

  /// The kernel that `setup` unpacked for `kernel`, or an error saying to run setup.
  public func kernel(_ kernel: DebianKernel) throws -> KernelTree {
    let stamp = stampFile(kernel)
    guard let data = try? Data(contentsOf: stamp),
      var tree = try? JSONDecoder().decode(KernelTree.self, from: data),
      FileManager.default.fileExists(atPath: tree.image)
    else {
      let setup = kernel.sourceBuild == nil ? "" : " --kernel \(kernel.rawValue)"
      throw LabError.missingInput(
        path: stamp.path, expected: "kernel \(kernel.rawValue); run `coroner lab setup\(setup)`")
    }
    // Stamps written before the detector was recorded: the build tree's .config says.
    if tree.hardLockupDetector == nil, let buildDir = tree.buildDir {
      tree.hardLockupDetector = HardLockupDetector.configured(inBuildDir: buildDir)
    }
    return tree
  }

  /// The host facts setup measured (accelerator), or nil before setup.
  public func host() -> HostFacts? {
    guard let data = try? Data(contentsOf: hostFile) else { return nil }
    return try? JSONDecoder().decode(HostFacts.self, from: data)
  }
}

/// What setup learned about the host.
public struct HostFacts: Codable, Sendable {
  /// The accelerator QEMU runs with here: `kvm` when a probe boot worked, else `tcg`.
  public var accelerator: String
  /// Why KVM is not used, when it is not.
  public var kvmProblem: String?
}
