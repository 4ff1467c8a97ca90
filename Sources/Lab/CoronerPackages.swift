import Foundation

/// Coroner's Debian packages built from a checkout by `scripts/package-deb`, for the lab's
/// Debian guest: `coroner` and `coroner-makedumpfile`, in the order dpkg installs them.
public enum CoronerPackages {
  /// Runs `scripts/package-deb` of `package` into `out` and returns the .deb files it
  /// printed. The release build goes to `scratch` (the guest build's folder by default, the
  /// same build the lab's other guests run); gzip instead of xz (`--fast`), since the
  /// packages only travel to the guest's disk; lintian runs unless `lintian` is false.
  /// With `build` false the binary already in `scratch` is packaged as it is.
  public static func build(
    package: URL, out: URL, scratch: URL? = nil, build: Bool = true, lintian: Bool = true
  ) throws -> [URL] {
    let script = package.appendingPathComponent("scripts/package-deb")
    guard FileManager.default.isExecutableFile(atPath: script.path) else {
      throw LabError.missingInput(path: script.path, expected: "the checkout's package script")
    }
    var command = [
      script.path, "--out", out.path, "--fast",
      "--scratch-path", (scratch ?? GuestCoroner.scratch(package: package)).path,
    ]
    if !lintian { command.append("--no-lintian") }
    if !build { command.append("--no-build") }
    let output = try Subprocess.run(command, in: package)
    let debs = output.split(whereSeparator: \.isNewline).map(String.init).filter { $0.hasSuffix(".deb") }
    guard debs.count == 2 else {
      throw LabError.missingInput(
        path: out.path, expected: "coroner and coroner-makedumpfile .deb files from scripts/package-deb")
    }
    return debs.map { URL(fileURLWithPath: $0, relativeTo: package).standardizedFileURL }
  }
}
