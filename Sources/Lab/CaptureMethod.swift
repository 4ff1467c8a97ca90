/// How the lab captures the dead guest's memory.
public enum CaptureMethod: String, Codable, Sendable, CaseIterable {
  /// In-guest kdump: the guest boots with `crashkernel=`, loads a capture kernel with
  /// `kexec -p`, and on panic the capture kernel saves /proc/vmcore to a virtio disk.
  case kdump
  /// QEMU's `dump-guest-memory FILE` over the monitor: an ELF core of the whole guest.
  case qemuELF = "qemu-elf"
  /// `dump-guest-memory -z FILE`: zlib-compressed kdump data, which QEMU 7.2 writes as
  /// makedumpfile's flattened stream.
  case qemuKdump = "qemu-kdump"

  /// The HMP command that writes the dump, for the QEMU methods.
  func monitorCommand(to path: String) -> String? {
    switch self {
    case .kdump: return nil
    case .qemuELF: return "dump-guest-memory \(path)"
    case .qemuKdump: return "dump-guest-memory -z \(path)"
    }
  }
}
