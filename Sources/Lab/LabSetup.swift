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
    // From 7.x on (sid) linux-image-RELEASE is only the sum of its parts, each its own
    // package: linux-base-RELEASE (config, System.map), linux-binary-RELEASE (the signed
    // image), linux-modules-RELEASE. Older images depend on none of that name.
    packages += try apt.depends(image).filter { $0.hasPrefix("linux-") && $0.hasSuffix("-\(release)") }
    let headers = "linux-headers-\(release)"
    packages.append(headers)
    let headersDepends = try apt.depends(headers)
    packages += headersDepends.filter { $0.hasPrefix("linux-headers-") || $0.hasPrefix("linux-kbuild-") }
    var suiteGcc: Int?
    if case .suite = kernel.moduleToolchain {
      guard let gcc = SuiteToolchain.gccVersion(dependedOnBy: headersDepends) else {
        throw LabError.unresolvedPackage(suite: kernel.suite, package: "the gcc that \(headers) depends on")
      }
      suiteGcc = gcc
      packages += SuiteToolchain.packages(gccVersion: gcc)
      if SuiteToolchain.needsSuiteAssembler(gccVersion: gcc) {
        let binutils = SuiteToolchain.binutilsPackage
        packages += [binutils] + (try apt.depends(binutils).filter { $0.hasPrefix("lib") })
      }
    }
    packages = packages.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
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
      image: Self.image(in: unpacked, release: release).path,
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
    case .suite:
      tree.compiler = try SuiteToolchain(root: unpacked).install(gccVersion: suiteGcc ?? 0).path
    }
    guard FileManager.default.fileExists(atPath: tree.image) else {
      throw LabError.missingInput(path: tree.image, expected: "the kernel image of \(image)")
    }
    let data = try JSONEncoder().encode(tree)
    try data.write(to: stampFile(kernel))
    return tree
  }

  /// Up to trixie the image is /boot/vmlinuz-RELEASE; from 7.x (sid's linux-binary-RELEASE)
  /// it sits beside the modules, /usr/lib/modules/RELEASE/vmlinuz.
  static func image(in unpacked: URL, release: String) -> URL {
    let beside = unpacked.appendingPathComponent("usr/lib/modules/\(release)/vmlinuz")
    if FileManager.default.fileExists(atPath: beside.path) { return beside }
    return unpacked.appendingPathComponent("boot/vmlinuz-\(release)")
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
/// (`include /usr/src/linux-headers-R-common/Makefile`), and from 7.x also names its own
/// folder so (`KBUILD_OUTPUT=/usr/src/linux-headers-R`, which the common Makefile requires
/// to exist); unpacked in the cache those paths do not exist, so both are pointed at the
/// unpacked copy.
enum HeadersTree {
  static func relocate(_ build: URL, unpackedRoot: URL) throws {
    let makefile = build.appendingPathComponent("Makefile")
    guard let text = try? String(contentsOf: makefile, encoding: .utf8) else {
      throw LabError.missingInput(path: makefile.path, expected: "the headers package's Makefile")
    }
    try Data(relocated(text, root: unpackedRoot.path).utf8).write(to: makefile)
  }

  static func relocated(_ makefile: String, root: String) -> String {
    makefile.replacingOccurrences(of: "include /usr/src/", with: "include \(root)/usr/src/")
      .replacingOccurrences(of: "KBUILD_OUTPUT=/usr/src/", with: "KBUILD_OUTPUT=\(root)/usr/src/")
  }
}
