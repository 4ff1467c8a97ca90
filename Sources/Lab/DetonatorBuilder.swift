import Foundation

/// Builds the detonator modules (Sources/Lab/Detonators, a resource of this library)
/// against a kernel's build tree with Kbuild's external-module build
/// (Documentation/kbuild/modules.rst: `make -C BUILD M=DIR modules`).
struct DetonatorBuilder {
  var kernel: KernelTree

  /// The folder of C sources and the Kbuild file shipped with the library.
  static func sources() throws -> URL {
    guard let url = Bundle.module.url(forResource: "Detonators", withExtension: nil) else {
      throw LabError.missingInput(
        path: "Detonators", expected: "the Lab library's detonator sources resource")
    }
    return url
  }

  /// Builds all detonators into `folder` (or reuses them when a build of the same sources
  /// is already there) and returns the folder holding the `.ko` files. The build happens
  /// in a folder of its own and is renamed into place, so parallel runs never see half a
  /// build.
  func build(into folder: URL) throws -> URL {
    guard let buildDir = kernel.buildDir, let compiler = kernel.compiler else {
      throw LabError.notRunnable(
        scenario: "detonator modules", kernel: kernel.release,
        reason: kernel.noModulesReason ?? "no build tree")
    }
    let fm = FileManager.default
    let sources = try Self.sources()
    let fingerprint = try Self.fingerprint(
      of: sources, extra: [kernel.release, buildDir, compiler] + (kernel.makeArguments ?? []))
    if Self.stamp(in: folder) == fingerprint { return folder }
    let staging = folder.deletingLastPathComponent()
      .appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString.prefix(8))")
    try fm.createDirectory(at: staging, withIntermediateDirectories: true)
    defer { try? fm.removeItem(at: staging) }
    for file in try fm.contentsOfDirectory(atPath: sources.path) {
      try fm.copyItem(at: sources.appendingPathComponent(file), to: staging.appendingPathComponent(file))
    }
    // The staging path is random: map it away so BUG() and WARN() lines name a stable
    // file (`detonators/det_bug.c`), as a report's title should not depend on the cache.
    try Subprocess.run(
      [
        "make", "-C", buildDir, "M=\(staging.path)", "CC=\(compiler)",
        "KCFLAGS=-ffile-prefix-map=\(staging.path)=detonators",
      ] + (kernel.makeArguments ?? []) + ["modules"])
    try Data(fingerprint.utf8).write(to: staging.appendingPathComponent("sources.fingerprint"))
    if Self.stamp(in: folder) == fingerprint { return folder }  // another run finished first
    try? fm.removeItem(at: folder)
    do {
      try fm.moveItem(at: staging, to: folder)
    } catch  where Self.stamp(in: folder) == fingerprint {
      return folder
    }
    return folder
  }

  static func stamp(in folder: URL) -> String? {
    try? String(contentsOf: folder.appendingPathComponent("sources.fingerprint"), encoding: .utf8)
  }

  /// A digest of the sources and build inputs, so edited sources rebuild (FNV-1a, 64 bits:
  /// a cache key, not a security check).
  static func fingerprint(of folder: URL, extra: [String]) throws -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ bytes: some Sequence<UInt8>) {
      for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
      }
    }
    for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
      mix(file.utf8)
      mix(try Data(contentsOf: folder.appendingPathComponent(file)))
    }
    for item in extra { mix(item.utf8) }
    return String(hash, radix: 16)
  }
}
