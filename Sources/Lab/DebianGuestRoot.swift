import Foundation

/// What goes into the lab's Debian guest: a suite and the packages installed on top of
/// its minimal base (dpkg's Essential set and apt). Its `key` names the cached root, so a
/// changed list makes a new one.
public struct DebianGuestRecipe: Sendable, Equatable {
  public var suite = "bookworm"
  /// systemd as init, Debian's kernel (linux-image-amd64 resolves to the suite's current
  /// one, from the security suite when that is newer: the release the lab's 6.1 runs),
  /// and the kdump stack a Debian administrator installs (kdump-tools with kexec-tools and
  /// makedumpfile, which it only recommends).
  public var packages = [
    "systemd-sysv", "udev", "kmod", "e2fsprogs", "initramfs-tools", "linux-image-amd64",
    "kdump-tools", "kexec-tools", "makedumpfile",
  ]

  /// Raised when the way the root is made changes while its package list does not.
  static let revision = 4

  public init() {}

  /// The suite and a digest of everything that went in: `bookworm-0123456789abcdef`.
  public var key: String {
    let text = ([suite, "revision \(Self.revision)"] + packages.sorted()).joined(separator: "\n")
    return "\(suite)-\(String(format: "%016llx", Self.fnv1a(Array(text.utf8))))"
  }

  /// FNV-1a, 64 bits: a cache key, not a checksum against tampering.
  static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }
}

/// A Debian root folder in the lab's cache, made once from a recipe, with the boot files
/// of the kernel installed in it (QEMU boots them directly, so the image needs no boot
/// loader).
public struct DebianGuestRoot: Codable, Sendable, Equatable {
  public var key: String
  public var suite: String
  /// The folder that holds the installed system.
  public var root: String
  /// The installed kernel's release (`uname -r` in the guest).
  public var release: String
  /// Versions of the packages that matter to the lab, as dpkg reports them.
  public var versions: [String: String]
  /// Host wall-clock seconds mmdebstrap took.
  public var buildSeconds: Double

  public var kernelImage: String { root + "/boot/vmlinuz-\(release)" }
  public var initrd: String { root + "/boot/initrd.img-\(release)" }
}

extension LabCache {
  var guestsDir: URL { root.appendingPathComponent("guests") }

  /// The Debian guest root of `recipe`, made now when the cache has none (about 900 MB,
  /// a few minutes: every package is downloaded from `archive`, by default the host's
  /// Debian archive). Callers in other processes wait on a lock file meanwhile.
  public func debianGuest(
    _ recipe: DebianGuestRecipe = DebianGuestRecipe(), archive: DebianArchive? = nil,
    progress: (String) -> Void = { _ in }
  ) throws -> (guest: DebianGuestRoot, built: Bool) {
    let fm = FileManager.default
    try fm.createDirectory(at: guestsDir, withIntermediateDirectories: true)
    let lock = try FileLock(path: guestsDir.appendingPathComponent(recipe.key + ".lock").path)
    defer { lock.unlock() }
    let stamp = guestsDir.appendingPathComponent(recipe.key + ".json")
    if let data = try? Data(contentsOf: stamp),
      let guest = try? JSONDecoder().decode(DebianGuestRoot.self, from: data),
      fm.fileExists(atPath: guest.kernelImage), fm.fileExists(atPath: guest.initrd)
    {
      return (guest, false)
    }
    let source = try archive ?? DebianArchive.host()
    let folder = guestsDir.appendingPathComponent(recipe.key)
    let partial = guestsDir.appendingPathComponent(".\(recipe.key).partial-\(getpid())")
    try? fm.removeItem(at: partial)
    defer { try? fm.removeItem(at: partial) }
    progress("making the \(recipe.suite) guest with mmdebstrap from \(source.uri) (once; minutes)")
    let start = Date()
    try Subprocess.run(Self.mmdebstrapCommand(recipe, archive: source, into: partial))
    let seconds = (Date().timeIntervalSince(start) * 100).rounded() / 100
    try? fm.removeItem(at: folder)
    do {
      try fm.moveItem(at: partial, to: folder)
    } catch {
      throw LabError.io(
        path: folder.path, reason: "cannot keep the guest root: \(error.localizedDescription)")
    }
    let guest = try Self.describe(root: folder, recipe: recipe, seconds: seconds)
    try JSONEncoder().encode(guest).write(to: stamp)
    return (guest, true)
  }

  /// mmdebstrap rather than debootstrap: it resolves with apt, so one run reads the suite
  /// and its security suite (the current kernel is often only in the latter) and installs
  /// the extra packages with their dependencies. Root mode: we are root, and the result is
  /// a folder that `mkfs.ext4 -d` turns into a disk image without mounting anything.
  /// Documentation and translations are left out (a smaller image boots no slower but
  /// copies faster); manual pages are kept.
  static func mmdebstrapCommand(
    _ recipe: DebianGuestRecipe, archive: DebianArchive, into folder: URL
  )
    -> [String]
  {
    let sources = archive.sourcesListText(suite: recipe.suite).split(separator: "\n").map(String.init)
    return [
      "nice", "-n", "10", "mmdebstrap", "--mode=root", "--variant=minbase", "--format=directory",
      "--include=" + recipe.packages.joined(separator: ","),
      "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
      "--setup-hook=" + initrdSetupHook, "--customize-hook=" + initrdCustomizeHook, recipe.suite, folder.path,
    ] + sources
  }

  /// The initrds are made as MODULES=dep would make them in the guest, not as Debian's
  /// default (MODULES=most: 36 MB, which the kernel takes a minute to unpack under TCG on
  /// a loaded host, twice a cycle): dep reads the running system's devices, which in a
  /// chroot are the host's (mkinitramfs fails: "failed to determine device for /"), so the
  /// setup hook asks for MODULES=list with the guest's root drivers (virtio, ext4) before
  /// any package is installed. kdump-tools' kernel hook (/etc/kernel/postinst.d/kdump-tools),
  /// which makes the capture kernel's initrd and asks for dep when it finds most, then
  /// succeeds whichever of the kernel and kdump-tools apt configures first.
  static let initrdSetupHook = """
    set -e; mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d"; \
    printf 'MODULES=list\\n' > "$1/etc/initramfs-tools/conf.d/coroner-lab"; \
    printf 'virtio_pci\\nvirtio_blk\\next4\\n' > "$1/usr/share/initramfs-tools/modules.d/coroner-lab"
    """

  /// When apt configured the kernel before kdump-tools existed, its hook never ran: it is
  /// run now. kdump-config's first `load` makes the capture initrd again unless it finds
  /// the copy of /etc/kdump/sysctl.conf it keeps beside it (check_sysctl_change): the copy
  /// is left there, as that first load would, so the guest does not spend minutes of TCG
  /// remaking it. The MODULES setting is removed afterwards, so a later kernel update in
  /// the guest is Debian's.
  static let initrdCustomizeHook = """
    set -e; for image in "$1"/boot/vmlinuz-*; do release="${image##*/vmlinuz-}"; \
      [ -e "$1/var/lib/kdump/initrd.img-$release" ] || \
        chroot "$1" /etc/kernel/postinst.d/kdump-tools "$release"; \
      cp "$1/etc/kdump/sysctl.conf" "$1/var/lib/kdump/latest_sysctls-$release"; done; \
    rm "$1/etc/initramfs-tools/conf.d/coroner-lab" "$1/usr/share/initramfs-tools/modules.d/coroner-lab"
    """

  /// Reads the installed kernel's release and the versions that matter from dpkg's
  /// database in the root.
  static func describe(root: URL, recipe: DebianGuestRecipe, seconds: Double) throws -> DebianGuestRoot {
    let boot = root.appendingPathComponent("boot")
    let images = (try? FileManager.default.contentsOfDirectory(atPath: boot.path)) ?? []
    guard let image = images.filter({ $0.hasPrefix("vmlinuz-") }).sorted().last else {
      throw LabError.missingInput(path: boot.path, expected: "the kernel linux-image-amd64 installed")
    }
    let release = String(image.dropFirst("vmlinuz-".count))
    var versions: [String: String] = [:]
    for package in ["linux-image-\(release)", "kdump-tools", "makedumpfile", "kexec-tools", "systemd"] {
      let output = try Subprocess.run([
        "dpkg-query", "--admindir=\(root.path)/var/lib/dpkg", "-W", "-f=${Version}", package,
      ])
      versions[package] = output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return DebianGuestRoot(
      key: recipe.key, suite: recipe.suite, root: root.path, release: release, versions: versions,
      buildSeconds: seconds)
  }
}
