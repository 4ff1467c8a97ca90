import Foundation

/// One kernel's state after setup.
public struct KernelSetupResult: Sendable {
  public var kernel: DebianKernel
  public var tree: KernelTree
  /// False when the kernel was already in the cache.
  public var fetched: Bool
  public var seconds: Double
}

/// What `coroner lab setup` did and what the lab now has.
public struct LabSetupReport: Sendable {
  public var cacheRoot: URL
  public var installedPackages: [String]
  public var kernels: [KernelSetupResult]
  public var host: HostFacts
}

extension LabCache {
  /// Installs the host's missing packages, fetches and unpacks the kernels not yet in the
  /// cache (or builds them, for a kernel the lab builds from source), and probes the
  /// accelerator once. Idempotent: a second call only reads stamps.
  /// Kernels are fetched from `archive`, by default the Debian archive of the host's apt
  /// sources (read only when a kernel must be fetched).
  public func setup(
    kernels: [DebianKernel] = DebianKernel.packaged, refresh: Bool = false, archive: DebianArchive? = nil,
    progress: (String) -> Void = { _ in }
  ) throws -> LabSetupReport {
    let builds = kernels.contains { $0.sourceBuild != nil }
    let missing = try HostPrerequisites.missing(
      HostPrerequisites.packages + (builds ? HostPrerequisites.kernelBuildPackages : []))
    if !missing.isEmpty {
      progress("installing \(missing.joined(separator: " "))")
      try HostPrerequisites.install(missing)
    }
    var results: [KernelSetupResult] = []
    var archive = archive
    for kernel in kernels {
      let start = Date()
      if !refresh, let tree = try? self.kernel(kernel) {
        results.append(KernelSetupResult(kernel: kernel, tree: tree, fetched: false, seconds: 0))
        continue
      }
      let source = try archive ?? DebianArchive.host()
      archive = source
      let tree: KernelTree
      if let config = kernel.sourceBuild {
        progress(
          "building kernel \(kernel.rawValue) from \(kernel.suite)'s \(config.sourcePackage) (\(source.uri))")
        tree = try KernelSourceBuild(kernel: kernel, config: config, cache: self).build(
          from: source, progress: progress)
        try JSONEncoder().encode(tree).write(to: stampFile(kernel))
      } else {
        progress("fetching the \(kernel.suite) kernel (\(kernel.rawValue)) from \(source.uri)")
        tree = try fetch(kernel, from: source)
      }
      results.append(
        KernelSetupResult(kernel: kernel, tree: tree, fetched: true, seconds: Date().timeIntervalSince(start))
      )
    }
    let host = try hostFacts(probeWith: results.first?.tree, progress: progress)
    return LabSetupReport(cacheRoot: root, installedPackages: missing, kernels: results, host: host)
  }

  /// Resolves the suite's current kernel, downloads its image (and headers where modules
  /// can be built), unpacks them and writes the stamp that marks the kernel as ready.
  func fetch(_ kernel: DebianKernel, from archive: DebianArchive) throws -> KernelTree {
    let apt = IsolatedApt(kernel: kernel, root: aptRoot(kernel))
    try apt.update(from: archive)
    guard let image = try apt.depends("linux-image-amd64").first(where: { $0.hasPrefix("linux-image-") })
    else {
      throw LabError.unresolvedPackage(suite: kernel.suite, package: "linux-image-amd64")
    }
    let release = String(image.dropFirst("linux-image-".count))
    var packages = [image]
    let headers = "linux-headers-\(release)"
    packages.append(headers)
    packages += try apt.depends(headers).filter {
      $0.hasPrefix("linux-headers-") || $0.hasPrefix("linux-kbuild-")
    }
    if case .suite(let gcc) = kernel.moduleToolchain {
      packages += SuiteToolchain.packages(gccVersion: gcc)
    }
    let debs = debsDir(kernel)
    try? FileManager.default.removeItem(at: debs)
    try apt.download(packages, into: debs)
    let unpacked = kernelRoot(kernel)
    try? FileManager.default.removeItem(at: unpacked)
    try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
    for deb in try FileManager.default.contentsOfDirectory(atPath: debs.path) where deb.hasSuffix(".deb") {
      try Subprocess.run(["dpkg-deb", "-x", debs.appendingPathComponent(deb).path, unpacked.path])
    }
    try? FileManager.default.removeItem(at: debs)
    var tree = KernelTree(
      release: release, label: kernel.rawValue, packageVersion: try apt.candidateVersion(image),
      image: unpacked.appendingPathComponent("boot/vmlinuz-\(release)").path,
      modulesDir: Self.modulesDir(in: unpacked, release: release).path,
      buildDir: nil, compiler: nil, noModulesReason: nil)
    let build = unpacked.appendingPathComponent("usr/src/linux-headers-\(release)")
    try HeadersTree.relocate(build, unpackedRoot: unpacked)
    tree.buildDir = build.path
    tree.hardLockupDetector = HardLockupDetector.configured(inBuildDir: build.path)
    // Debian's headers ship no vmlinux, so there is no base for module BTF (and no pahole).
    tree.makeArguments = ["CONFIG_DEBUG_INFO_BTF_MODULES="]
    switch kernel.moduleToolchain {
    case .host(let compiler):
      tree.compiler = compiler
    case .suite(let gcc):
      tree.compiler = try SuiteToolchain(root: unpacked).install(gccVersion: gcc).path
    }
    guard FileManager.default.fileExists(atPath: tree.image) else {
      throw LabError.missingInput(path: tree.image, expected: "the kernel image of \(image)")
    }
    let data = try JSONEncoder().encode(tree)
    try data.write(to: stampFile(kernel))
    return tree
  }

  /// Bookworm and older ship modules in /lib/modules; trixie (merged /usr) in
  /// /usr/lib/modules.
  static func modulesDir(in unpacked: URL, release: String) -> URL {
    let merged = unpacked.appendingPathComponent("usr/lib/modules/\(release)")
    if FileManager.default.fileExists(atPath: merged.path) { return merged }
    return unpacked.appendingPathComponent("lib/modules/\(release)")
  }

  /// Reads the cached host facts or probes the accelerator and caches the answer.
  func hostFacts(probeWith tree: KernelTree?, progress: (String) -> Void) throws -> HostFacts {
    if let facts = host() { return facts }
    var facts = HostFacts(accelerator: "tcg", kvmProblem: nil)
    if let tree {
      progress("probing KVM")
      let verdict = AcceleratorProbe.probeKVM(kernelImage: tree.image)
      if let problem = verdict { facts.kvmProblem = problem } else { facts.accelerator = "kvm" }
    } else {
      facts.kvmProblem = "not probed"
    }
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    try JSONEncoder().encode(facts).write(to: hostFile)
    return facts
  }
}

/// Debian's headers package for a flavour includes the common headers by absolute path
/// (`include /usr/src/linux-headers-R-common/Makefile`); unpacked in the cache that path
/// does not exist, so the include is pointed at the unpacked copy.
enum HeadersTree {
  static func relocate(_ build: URL, unpackedRoot: URL) throws {
    let makefile = build.appendingPathComponent("Makefile")
    guard let text = try? String(contentsOf: makefile, encoding: .utf8) else {
      throw LabError.missingInput(path: makefile.path, expected: "the headers package's Makefile")
    }
    let fixed = text.replacingOccurrences(
      of: "include /usr/src/", with: "include \(unpackedRoot.path)/usr/src/")
    try Data(fixed.utf8).write(to: makefile)
  }
}
