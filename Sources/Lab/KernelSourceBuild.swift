import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Builds a lab kernel from a Debian kernel source package: downloads the package through
/// the suite's isolated apt, unpacks its tarball, configures it with `make allnoconfig
/// KCONFIG_ALLCONFIG=` (Documentation/kbuild/kconfig.rst) and builds it in place, so the
/// tree is also the build tree the detonators are built against (Documentation/kbuild/
/// modules.rst). Each build is kept under a key of the source version and a fingerprint of
/// the configuration and compiler, made in a folder of its own and renamed into place, so
/// parallel runs never see half a tree.
struct KernelSourceBuild {
  var kernel: DebianKernel
  var config: LabKernelConfig
  var cache: LabCache
  /// The host compiler that builds the kernel and, later, its modules.
  var compiler = "gcc-12"
  /// `make -j`: the host's processors.
  var jobs = ProcessInfo.processInfo.activeProcessorCount

  /// The source's folder name inside a build folder.
  static let sourceFolder = "linux"
  /// The file of a finished build that records its key.
  static let keyFile = "lab-build.key"

  /// Resolves the source's version, and builds it unless a build of the same key is there.
  func build(from archive: DebianArchive, progress: (String) -> Void) throws -> KernelTree {
    let apt = IsolatedApt(kernel: kernel, root: cache.aptRoot(kernel))
    try apt.update(from: archive)
    let version = try apt.candidateVersion(config.sourcePackage)
    let key = "\(version)-\(try fingerprint())"
    let parent = cache.kernelRoot(kernel)
    let folder = parent.appendingPathComponent(key)
    if Self.finishedKey(in: folder) != key {
      progress("building \(kernel.rawValue) from \(config.sourcePackage) \(version) (make -j\(jobs))")
      let start = Date()
      let cpu = Self.childrenCPUSeconds()
      try make(folder: folder, key: key, apt: apt)
      progress(
        String(
          format: "built in %.0f s (%.0f CPU seconds)", Date().timeIntervalSince(start),
          Self.childrenCPUSeconds() - cpu))
    }
    Self.removeOtherBuilds(in: parent, keeping: key)
    return try tree(in: folder, version: version)
  }

  /// Downloads, unpacks, configures and builds into a staging folder beside `folder`, then
  /// renames it into place.
  func make(folder: URL, key: String, apt: IsolatedApt) throws {
    let fm = FileManager.default
    let staging = folder.deletingLastPathComponent()
      .appendingPathComponent(".\(key).\(UUID().uuidString.prefix(8))")
    try fm.createDirectory(at: staging, withIntermediateDirectories: true)
    defer { try? fm.removeItem(at: staging) }
    let source = try unpackSource(into: staging, apt: apt)
    let fragment = staging.appendingPathComponent("lab.config")
    try Data(config.fragment.utf8).write(to: fragment)
    try runMake(["allnoconfig", "KCONFIG_ALLCONFIG=\(fragment.path)"], in: source, log: nil)
    let dotConfig = source.appendingPathComponent(".config")
    let unmet = config.unmet(in: try String(contentsOf: dotConfig, encoding: .utf8))
    guard unmet.isEmpty else {
      throw LabError.missingInput(
        path: dotConfig.path,
        expected: "\(unmet.joined(separator: ", ")) after configuration (dependencies not met)")
    }
    // Below the other helpers on a shared machine: a kernel build takes minutes.
    try runMake(["-j\(jobs)"], in: source, log: staging.appendingPathComponent("build.log"), nice: true)
    try Data(key.utf8).write(to: staging.appendingPathComponent(Self.keyFile))
    if Self.finishedKey(in: folder) == key { return }  // another run finished first
    try? fm.removeItem(at: folder)
    do {
      try fm.moveItem(at: staging, to: folder)
    } catch  where Self.finishedKey(in: folder) == key {
      return
    }
  }

  /// Downloads the source package and unpacks its tarball as `staging/linux`.
  func unpackSource(into staging: URL, apt: IsolatedApt) throws -> URL {
    let fm = FileManager.default
    let debs = staging.appendingPathComponent("debs")
    try apt.download([config.sourcePackage], into: debs)
    guard let deb = LabCache.debFile(of: config.sourcePackage, in: debs) else {
      throw LabError.missingInput(
        path: debs.path, expected: "\(config.sourcePackage)_*.deb after apt-get download")
    }
    let tarball = "usr/src/\(config.sourcePackage).tar.xz"
    try DebExtraction.extract([tarball], from: deb, into: debs)
    try Subprocess.run(["tar", "-xf", debs.appendingPathComponent(tarball).path, "-C", staging.path])
    try? fm.removeItem(at: debs)
    let source = staging.appendingPathComponent(Self.sourceFolder)
    try fm.moveItem(at: staging.appendingPathComponent(config.sourcePackage), to: source)
    return source
  }

  /// `make -C source CC=compiler ARGS`, its output kept in `log` when given.
  func runMake(_ arguments: [String], in source: URL, log: URL?, nice: Bool = false) throws {
    let command =
      (nice ? ["nice", "-n", "10"] : []) + ["make", "-C", source.path, "CC=\(compiler)"] + arguments
    let result = try Subprocess.launch(command)
    if let log { try Data(result.output.utf8).write(to: log) }
    guard result.status == 0 else {
      throw LabError.commandFailed(
        command: command, status: result.status, output: Subprocess.tail(result.output))
    }
  }

  /// The kernel tree of a finished build.
  func tree(in folder: URL, version: String) throws -> KernelTree {
    let source = folder.appendingPathComponent(Self.sourceFolder)
    let releaseFile = source.appendingPathComponent("include/config/kernel.release")
    guard let release = try? String(contentsOf: releaseFile, encoding: .utf8) else {
      throw LabError.missingInput(path: releaseFile.path, expected: "the kernel release of the lab's build")
    }
    let image = source.appendingPathComponent("arch/x86/boot/bzImage")
    guard FileManager.default.fileExists(atPath: image.path) else {
      throw LabError.missingInput(path: image.path, expected: "the bzImage of the lab's build")
    }
    var tree = KernelTree(
      release: release.trimmingCharacters(in: .whitespacesAndNewlines), label: kernel.rawValue,
      packageVersion: version, image: image.path, modulesDir: nil, buildDir: source.path, compiler: compiler,
      noModulesReason: nil)
    tree.hardLockupDetector = HardLockupDetector.configured(
      in: (try? String(contentsOf: source.appendingPathComponent(".config"), encoding: .utf8)) ?? "")
    return tree
  }

  /// A digest of what decides the build besides the source: the configuration, the
  /// compiler's version and the build recipe (FNV-1a, 64 bits: a cache key).
  func fingerprint() throws -> String {
    let compilerVersion = try Subprocess.run([compiler, "--version"]).split(separator: "\n").first ?? ""
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in (config.fragment + compilerVersion + "allnoconfig all").utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
  }

  /// User and system time of the waited-for child processes so far (getrusage(2)
  /// RUSAGE_CHILDREN): make's compilers are counted once make has been waited for.
  static func childrenCPUSeconds() -> Double {
    var usage = rusage()
    guard getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage) == 0 else { return 0 }
    let seconds = { (time: timeval) in Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
  }

  static func finishedKey(in folder: URL) -> String? {
    try? String(contentsOf: folder.appendingPathComponent(keyFile), encoding: .utf8)
  }

  /// Finished builds of other keys (an older source version or configuration) take a
  /// gigabyte or more each; staging folders (dot names) may belong to running builds.
  static func removeOtherBuilds(in parent: URL, keeping key: String) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
    for name in names where name != key && !name.hasPrefix(".") {
      try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
    }
  }
}
