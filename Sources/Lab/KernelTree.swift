import Foundation

/// A kernel the lab can boot: its image, its modules and (when modules can be built for
/// it) its build tree. Either a Debian kernel unpacked by `LabCache` or one the user built.
public struct KernelTree: Codable, Sendable, Equatable {
  /// `uname -r` of the kernel, e.g. `6.1.0-56-amd64`.
  public var release: String
  /// The series label (`6.1`) for Debian kernels, `custom` for a user's own build.
  public var label: String
  /// The Debian package version, when the kernel comes from Debian.
  public var packageVersion: String?
  /// The bootable image (bzImage).
  public var image: String
  /// Where the kernel's `.ko` files are found (searched recursively); nil when all the
  /// drivers the lab needs are built in.
  public var modulesDir: String?
  /// The tree `make -C` builds external modules against; nil when none is available.
  public var buildDir: String?
  /// The C compiler for external modules, or nil with `noModulesReason`.
  public var compiler: String?
  public var noModulesReason: String?
  /// Extra `make` variables for the external-module build.
  public var makeArguments: [String]?
  /// The hard-lockup detector the kernel was built with, read from its configuration;
  /// nil when it has none or it was not read (kernels set up before it was recorded).
  public var hardLockupDetector: HardLockupDetector?

  /// Whether detonator modules can be built for this kernel.
  public var canBuildModules: Bool { buildDir != nil && compiler != nil }

  /// A kernel the user built: `image` is its bzImage, `buildDir` its build tree, which
  /// holds `include/config/kernel.release` and the in-tree modules (found by name, so
  /// virtio_blk may be a module or built in).
  ///
  /// The guest needs, besides a bootable x86_64 kernel with a serial console: MODULES,
  /// BLK_DEV_INITRD, DEVTMPFS, PROC_FS, SYSFS, BINFMT_SCRIPT, MAGIC_SYSRQ, VIRTIO_PCI and
  /// VIRTIO_BLK, ACPI (so `poweroff -f` ends QEMU), FW_CFG_SYSFS for QEMU's vmcoreinfo
  /// device, the detectors of the scenario (SOFTLOCKUP_DETECTOR, DETECT_HUNG_TASK), and for
  /// kdump CRASH_DUMP, PROC_VMCORE, RELOCATABLE and KEXEC with PROC_KCORE, or KEXEC_FILE.
  /// A tinyconfig with these options boots and captures in the lab.
  public static func custom(image: String, buildDir: String) throws -> KernelTree {
    let releaseFile = URL(fileURLWithPath: buildDir).appendingPathComponent("include/config/kernel.release")
    guard let text = try? String(contentsOf: releaseFile, encoding: .utf8) else {
      throw LabError.missingInput(
        path: releaseFile.path, expected: "the kernel release of a configured build tree")
    }
    guard FileManager.default.fileExists(atPath: image) else {
      throw LabError.missingInput(path: image, expected: "a bootable kernel image (arch/x86/boot/bzImage)")
    }
    var tree = KernelTree(
      release: text.trimmingCharacters(in: .whitespacesAndNewlines), label: "custom", packageVersion: nil,
      image: image, modulesDir: buildDir, buildDir: buildDir, compiler: "gcc", noModulesReason: nil)
    tree.hardLockupDetector = HardLockupDetector.configured(inBuildDir: buildDir)
    return tree
  }
}

/// The implementations of the hard-lockup detector (lib/Kconfig.debug, Linux 6.5+ names):
/// which one a kernel has decides whether the lab can show a hard lockup under QEMU.
public enum HardLockupDetector: String, Codable, Sendable {
  /// The NMI watchdog on a PMU counter (kernel/watchdog_perf.c): QEMU TCG has no PMU.
  case perf
  /// One CPU watches the next one's hrtimer interrupt count (kernel/watchdog_buddy.c).
  case buddy

  /// The detector a `.config` selects, or nil when it has none (before 6.5 the perf
  /// detector was CONFIG_HARDLOCKUP_DETECTOR alone).
  public static func configured(in dotConfig: String) -> HardLockupDetector? {
    let lines = Set(dotConfig.split(separator: "\n"))
    if lines.contains("CONFIG_HARDLOCKUP_DETECTOR_BUDDY=y") { return .buddy }
    if lines.contains("CONFIG_HARDLOCKUP_DETECTOR_PERF=y") || lines.contains("CONFIG_HARDLOCKUP_DETECTOR=y") {
      return .perf
    }
    return nil
  }

  /// The detector of the build tree's `.config`, nil when unreadable.
  static func configured(inBuildDir buildDir: String) -> HardLockupDetector? {
    let file = URL(fileURLWithPath: buildDir).appendingPathComponent(".config")
    return (try? String(contentsOf: file, encoding: .utf8)).flatMap(configured(in:))
  }
}
