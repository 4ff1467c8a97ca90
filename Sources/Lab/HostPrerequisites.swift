import Foundation

/// The Debian packages the lab needs on the host, installed by `coroner lab setup` when
/// missing (as root, with apt-get).
public enum HostPrerequisites {
  /// Package names: QEMU, the guest's userland, kexec for in-guest kdump, the tools that
  /// build detonator modules, the reference dump tools the lab tests compare against, and
  /// what makes and reads the Debian guest's disk (mmdebstrap, mkfs.ext4 and debugfs).
  public static let packages = [
    "qemu-system-x86", "busybox-static", "kexec-tools", "makedumpfile", "crash", "cpio",
    "zstd", "xz-utils", "gcc-12", "binutils", "make", "libc6-dev", "debian-archive-keyring", "mmdebstrap",
    "e2fsprogs",
  ]

  /// What building a kernel from source needs besides `packages` (Documentation/process/
  /// changes.rst): Kconfig's parsers (flex, bison), bc for the timeconst header, libelf for
  /// objtool (ORC) and resolve_btfids, pahole (dwarves) for DEBUG_INFO_BTF.
  public static let kernelBuildPackages = ["flex", "bison", "bc", "libelf-dev", "dwarves"]

  /// The packages of `packages` that dpkg does not report as installed.
  public static func missing(_ packages: [String] = packages) throws -> [String] {
    try packages.filter { package in
      let result = try Subprocess.launch(["dpkg-query", "-W", "-f=${db:Status-Status}", package])
      return result.status != 0
        || result.output.trimmingCharacters(in: .whitespacesAndNewlines) != "installed"
    }
  }

  /// Installs `packages` with the system's apt (this is the host's own software, so the
  /// system's sources are the right ones here).
  public static func install(_ packages: [String]) throws {
    guard !packages.isEmpty else { return }
    guard geteuid() == 0 else {
      throw LabError.missingTool(
        packages.joined(separator: " "), hint: "run `coroner lab setup` as root, or apt-get install them")
    }
    let env = ["DEBIAN_FRONTEND": "noninteractive"]
    try Subprocess.run(["apt-get", "update", "-q"], environment: env)
    try Subprocess.run(
      ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + packages, environment: env)
  }
}
