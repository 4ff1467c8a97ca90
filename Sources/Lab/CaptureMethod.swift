/// How the lab captures the dead guest's memory.
public enum CaptureMethod: String, Codable, Sendable, CaseIterable {
  /// In-guest kdump: the guest boots with `crashkernel=`, loads a capture kernel with
  /// `kexec -p`, and on panic the capture kernel saves /proc/vmcore to a virtio disk.
  case kdump
  /// In-guest kdump whose capture kernel runs `coroner capture` on /proc/vmcore: the log,
  /// crash.json and a filtered, compressed kdump-compressed dump come back in a tar.
  case kdumpCoroner = "kdump-coroner"
  /// QEMU's `dump-guest-memory FILE` over the monitor: an ELF core of the whole guest.
  case qemuELF = "qemu-elf"
  /// `dump-guest-memory -z FILE`: zlib-compressed kdump data, which QEMU 7.2 writes as
  /// makedumpfile's flattened stream.
  case qemuKdump = "qemu-kdump"
  /// `dump-guest-memory FILE` of a guest whose CPU has LA57: kernels built with
  /// CONFIG_X86_5LEVEL switch to 5-level paging at boot when the CPU offers it
  /// (arch/x86/boot/compressed/pgtable_64.c), which moves the direct map and vmalloc
  /// bases (Documentation/arch/x86/x86_64/mm.rst).
  case qemuELFLa57 = "qemu-elf-la57"
  /// `dump-guest-memory FILE` without `-device vmcoreinfo`: QEMU then writes no
  /// VMCOREINFO note (the guest's fw_cfg driver has nowhere to hand it), so a reader
  /// must find the kernel's VMCOREINFO text in memory.
  case qemuELFNoVmcoreinfo = "qemu-elf-no-vmcoreinfo"
  /// `dump-guest-memory -p FILE`: QEMU walks the guest's page tables and writes a
  /// PT_LOAD per mapped virtual range, physical ranges repeated wherever they are
  /// mapped twice. The physical dump of the same stopped guest is kept beside it
  /// (`physicalCompanion`), so the two can be compared.
  case qemuPaging = "qemu-paging"

  /// The methods that arm kdump in the guest and boot a capture kernel on panic.
  public var usesKdump: Bool { self == .kdump || self == .kdumpCoroner }

  /// The methods that dump through QEMU's monitor.
  public var usesMonitor: Bool { monitorCommand(to: "") != nil }

  /// The HMP command that writes the dump, for the QEMU methods.
  func monitorCommand(to path: String) -> String? {
    switch self {
    case .kdump, .kdumpCoroner: return nil
    case .qemuELF, .qemuELFLa57, .qemuELFNoVmcoreinfo: return "dump-guest-memory \(path)"
    case .qemuKdump: return "dump-guest-memory -z \(path)"
    case .qemuPaging: return "dump-guest-memory -p \(path)"
    }
  }

  /// For `qemuPaging`: the file name, beside the vmcore, of the physical dump taken
  /// right after the paging one.
  public static let physicalCompanion = "vmcore.physical"

  /// Whether QEMU gets `-device vmcoreinfo` for this method.
  var vmcoreinfoDevice: Bool { self != .qemuELFNoVmcoreinfo }

  /// The `-cpu` model this method needs, if any. TCG implements LA57 (and KVM passes
  /// it through only when the host CPU has it).
  func cpuModel(_ accelerator: Accelerator) -> String? {
    guard self == .qemuELFLa57 else { return nil }
    return accelerator == .kvm ? "host,+la57" : "qemu64,+la57"
  }
}
