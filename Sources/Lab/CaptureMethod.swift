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

  /// The methods that arm kdump in the guest and boot a capture kernel on panic.
  public var usesKdump: Bool { self == .kdump || self == .kdumpCoroner }

  /// The HMP command that writes the dump, for the QEMU methods.
  func monitorCommand(to path: String) -> String? {
    switch self {
    case .kdump, .kdumpCoroner: return nil
    case .qemuELF: return "dump-guest-memory \(path)"
    case .qemuKdump: return "dump-guest-memory -z \(path)"
    }
  }
}
