import Foundation

/// Debian's debug package of a lab kernel, `linux-image-RELEASE-dbg`: vmlinux with DWARF,
/// `System.map` and unstripped modules under `/usr/lib/debug`. It is fetched through the
/// suite's own `IsolatedApt` (the host's apt knows only its own suite), and only the files
/// asked for are extracted: the package is about 1 GB compressed and 6.5 GB unpacked.
public struct DebugKernelPackage: Sendable {
  /// The files the tests and tools read from the package.
  public enum Part: String, CaseIterable, Sendable {
    case systemMap = "System.map"
    case vmlinux

    func path(release: String) -> String {
      switch self {
      case .systemMap: return "usr/lib/debug/boot/System.map-\(release)"
      case .vmlinux: return "usr/lib/debug/boot/vmlinux-\(release)"
      }
    }
  }

  public var kernel: DebianKernel
  public var release: String
  /// The folder that holds `usr/lib/debug` for this release.
  public var root: URL

  public var packageName: String { "linux-image-\(release)-dbg" }
  public var debugDirectory: URL { root.appendingPathComponent("usr/lib/debug") }

  /// The extracted file of `part`, or nil when it was not extracted.
  public func file(_ part: Part) -> URL? {
    let url = root.appendingPathComponent(part.path(release: release))
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
  }
}

/// What fetching a debug package did, with the times it took.
public struct DebugKernelFetch: Sendable {
  public var package: DebugKernelPackage
  /// False when every part was already extracted.
  public var fetched: Bool
  public var downloadSeconds: Double
  public var extractSeconds: Double
}

extension LabCache {
  /// Where the debug files of `release` are extracted.
  func debugRoot(release: String) -> URL { root.appendingPathComponent("debug/\(release)") }
  func debugDebsDir(_ kernel: DebianKernel) -> URL {
    root.appendingPathComponent("debs/\(kernel.suite)-dbg")
  }

  /// The debug package of the release the lab set up for `kernel` (whatever has been
  /// extracted of it so far), or nil before `coroner lab setup`.
  public func debugPackage(_ kernel: DebianKernel) -> DebugKernelPackage? {
    guard let tree = try? self.kernel(kernel) else { return nil }
    return DebugKernelPackage(kernel: kernel, release: tree.release, root: debugRoot(release: tree.release))
  }

  /// The debug package's files of `release` when a lab kernel of that release has them.
  public func debugPackage(release: String) -> DebugKernelPackage? {
    DebianKernel.allCases.lazy.compactMap { self.debugPackage($0) }.first { $0.release == release }
  }

  /// Downloads `linux-image-RELEASE-dbg` of the lab's kernel through the suite's isolated
  /// apt and extracts `parts`. Idempotent: parts already extracted are not fetched again.
  /// The package lists are refreshed from `archive` (by default the host's) when stale.
  public func fetchDebugPackage(
    _ kernel: DebianKernel, parts: [DebugKernelPackage.Part] = [.systemMap], archive: DebianArchive? = nil
  ) throws -> DebugKernelFetch {
    let tree = try self.kernel(kernel)
    let package = DebugKernelPackage(
      kernel: kernel, release: tree.release, root: debugRoot(release: tree.release))
    let missing = parts.filter { package.file($0) == nil }
    guard !missing.isEmpty else {
      return DebugKernelFetch(package: package, fetched: false, downloadSeconds: 0, extractSeconds: 0)
    }
    if kernel.sourceBuild != nil {
      try linkBuildOutputs(missing, of: tree, into: package)
      return DebugKernelFetch(package: package, fetched: false, downloadSeconds: 0, extractSeconds: 0)
    }
    let apt = IsolatedApt(kernel: kernel, root: aptRoot(kernel))
    let debs = debugDebsDir(kernel)
    let start = Date()
    try? FileManager.default.removeItem(at: debs)
    // The lists setup downloaded may be older than the archive's pool; refresh on a miss.
    if (try? apt.candidateVersion(package.packageName)) == nil {
      try apt.update(from: archive ?? DebianArchive.host())
    }
    try apt.download([package.packageName], into: debs)
    guard let deb = Self.debFile(of: package.packageName, in: debs) else {
      throw LabError.missingInput(
        path: debs.path, expected: "\(package.packageName)_*.deb after apt-get download")
    }
    let downloaded = Date()
    try FileManager.default.createDirectory(at: package.root, withIntermediateDirectories: true)
    try DebExtraction.extract(missing.map { $0.path(release: tree.release) }, from: deb, into: package.root)
    for part in missing where package.file(part) == nil {
      throw LabError.missingInput(
        path: package.root.appendingPathComponent(part.path(release: tree.release)).path,
        expected: "\(part.rawValue) extracted from \(deb.lastPathComponent)")
    }
    try? FileManager.default.removeItem(at: debs)
    return DebugKernelFetch(
      package: package, fetched: true, downloadSeconds: downloaded.timeIntervalSince(start),
      extractSeconds: Date().timeIntervalSince(downloaded))
  }

  /// The `.deb` of `package` that `apt-get download` left in `folder`.
  /// A kernel the lab built has no -dbg package: its build tree holds `vmlinux` (with
  /// DWARF) and `System.map`, linked where the package's files would be.
  func linkBuildOutputs(
    _ parts: [DebugKernelPackage.Part], of tree: KernelTree, into package: DebugKernelPackage
  )
    throws
  {
    guard let buildDir = tree.buildDir else {
      throw LabError.missingInput(path: tree.image, expected: "the build tree of a kernel the lab built")
    }
    for part in parts {
      let built = URL(fileURLWithPath: buildDir).appendingPathComponent(
        part == .vmlinux ? "vmlinux" : "System.map")
      guard FileManager.default.fileExists(atPath: built.path) else {
        throw LabError.missingInput(path: built.path, expected: "\(part.rawValue) of the lab's kernel build")
      }
      let link = package.root.appendingPathComponent(part.path(release: tree.release))
      try FileManager.default.createDirectory(
        at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
      try? FileManager.default.removeItem(at: link)
      try FileManager.default.createSymbolicLink(at: link, withDestinationURL: built)
    }
  }

  static func debFile(of package: String, in folder: URL) -> URL? {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return nil }
    return names.sorted().first { $0.hasPrefix("\(package)_") && $0.hasSuffix(".deb") }
      .map { folder.appendingPathComponent($0) }
  }
}
