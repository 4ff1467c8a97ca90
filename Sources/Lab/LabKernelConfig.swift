/// The configuration of a kernel the lab builds from a Debian source package: Kconfig
/// options given to `make allnoconfig` as `KCONFIG_ALLCONFIG` (Documentation/kbuild/
/// kconfig.rst), so every option not named here is off unless something named selects
/// it, or it is hidden and on by default (PRINTK, FUTEX and the rest of what EXPERT hides).
public struct LabKernelConfig: Sendable, Equatable {
  /// The binary package that ships the source tarball (`/usr/src/PACKAGE.tar.xz`).
  public var sourcePackage: String
  /// Options and values, in Kconfig's `.config` syntax (`y`, a number, a quoted string).
  public var options: [Option]

  public struct Option: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String = "y") {
      self.name = name
      self.value = value
    }

    public var line: String { "CONFIG_\(name)=\(value)" }
  }

  /// The `KCONFIG_ALLCONFIG` file's text.
  public var fragment: String { options.map(\.line).joined(separator: "\n") + "\n" }

  /// The options `.config` lacks or sets otherwise after configuration: an option whose
  /// dependencies are not met is dropped by Kconfig without a word, so the build checks.
  public func unmet(in dotConfig: String) -> [String] {
    let lines = Set(dotConfig.split(separator: "\n").map(String.init))
    return options.map(\.line).filter { !lines.contains($0) }
  }

  /// Linux 6.12 from trixie for the lab's QEMU guests, with the buddy hard-lockup
  /// detector (kernel/watchdog_buddy.c, Linux 6.5+): each CPU's watchdog hrtimer checks
  /// that the next CPU's hrtimer interrupt count still moves, so a CPU spinning with
  /// interrupts off is seen without the PMU the perf-based NMI watchdog needs.
  public static let buddy = LabKernelConfig(
    sourcePackage: "linux-source-6.12",
    options: [
      // `uname -r` says which build this is: 6.12.N-buddy.
      Option("LOCALVERSION", "\"-buddy\""),
      Option("64BIT"),
      // The buddy detector needs a second CPU (lib/Kconfig.debug: HAVE_HARDLOCKUP_DETECTOR_BUDDY
      // depends on SMP).
      Option("SMP"),
      // QEMU's PC: ACPI for `poweroff -f`, HPET and high-resolution timers for the
      // watchdog's hrtimer, PCI for the virtio devices.
      Option("PCI"), Option("ACPI"), Option("HPET_TIMER"), Option("HIGH_RES_TIMERS"),
      // The lab's guests: a busybox initramfs on a serial console.
      Option("BLK_DEV_INITRD"), Option("BINFMT_ELF"), Option("BINFMT_SCRIPT"), Option("DEVTMPFS"),
      Option("TMPFS"), Option("PROC_FS"), Option("SYSFS"), Option("TTY"), Option("SERIAL_8250"),
      Option("SERIAL_8250_CONSOLE"), Option("MAGIC_SYSRQ"),
      // Detonators are loadable modules, as on the Debian kernels.
      Option("MODULES"), Option("MODULE_UNLOAD"),
      // The virtio disk the capture kernel writes the dump to, built in (no boot modules),
      // and fw_cfg for QEMU's vmcoreinfo device.
      Option("BLOCK"), Option("BLK_DEV"), Option("VIRTIO_MENU"), Option("VIRTIO_PCI"),
      Option("VIRTIO_BLK"), Option("FW_CFG_SYSFS"),
      // kdump (Documentation/admin-guide/kdump/kdump.rst): the same image is the capture
      // kernel, so it is relocatable; kexec-tools reads /proc/kcore to load it.
      Option("RELOCATABLE"), Option("KEXEC"), Option("KEXEC_FILE"), Option("CRASH_DUMP"),
      Option("PROC_VMCORE"), Option("PROC_KCORE"),
      // `coroner doctor` reads the configuration from /proc/config.gz.
      Option("IKCONFIG"), Option("IKCONFIG_PROC"),
      // The detectors of the lab's scenarios; PREFER_BUDDY because x86 also offers the
      // perf detector (lib/Kconfig.debug: HARDLOCKUP_DETECTOR_BUDDY).
      Option("DEBUG_KERNEL"), Option("SOFTLOCKUP_DETECTOR"), Option("HARDLOCKUP_DETECTOR"),
      Option("HARDLOCKUP_DETECTOR_PREFER_BUDDY"), Option("HARDLOCKUP_DETECTOR_BUDDY"),
      Option("DETECT_HUNG_TASK"),
      // What Coroner reads in a dump: BTF (DEBUG_INFO_BTF needs DWARF, BPF_SYSCALL and
      // pahole), the ORC unwinder's tables, kallsyms of data as well as text.
      Option("DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT"), Option("BPF_SYSCALL"), Option("DEBUG_INFO_BTF"),
      Option("UNWINDER_ORC"), Option("KALLSYMS"), Option("KALLSYMS_ALL"),
    ])
}
