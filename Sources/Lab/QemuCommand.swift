/// How QEMU executes the guest's code.
public enum Accelerator: String, Codable, Sendable, CaseIterable {
  /// QEMU's own translator: slow but runs anywhere (no PMU, so no NMI watchdog).
  case tcg
  /// The host's hypervisor, when it really works (see `AcceleratorProbe`).
  case kvm
}

/// The command line of one QEMU guest: a value built from what the run needs, turned into
/// an argument vector by `arguments`.
public struct QemuCommand: Sendable, Equatable, Codable {
  public var binary = "qemu-system-x86_64"
  public var accelerator = Accelerator.tcg
  public var memoryMiB = 768
  public var cpus = 2
  /// `-cpu`: QEMU's default model when nil (`host` under KVM).
  public var cpuModel: String?
  /// The bzImage given to QEMU's direct kernel boot.
  public var kernel: String
  public var initrd: String?
  /// The kernel command line, one parameter per element.
  public var kernelParameters: [String] = []
  /// The file that receives the whole serial console.
  public var serialLog: String
  /// The unix socket of the human monitor (HMP), for `dump-guest-memory`.
  public var monitorSocket: String?
  /// Raw disk images attached as virtio disks, `/dev/vda` first.
  public var disks: [String] = []
  /// Adds `-device vmcoreinfo`, so QEMU's own dumps carry the guest's VMCOREINFO note
  /// (the guest needs the `qemu_fw_cfg` driver to hand it over).
  public var vmcoreinfoDevice = true
  /// Adds `-no-reboot`: a guest reboot ends QEMU. Off for runs that need the reset itself
  /// (pstore: RAM, and so ramoops' region, survives a QEMU system reset).
  public var exitOnReboot = true
  /// A NIC of this model (`e1000`, `virtio-net-pci`) on QEMU's user network (slirp): the guest
  /// reaches the host as 10.0.2.2, for netconsole. No NIC when nil.
  public var userNetworkDevice: String?

  public init(kernel: String, serialLog: String) {
    self.kernel = kernel
    self.serialLog = serialLog
  }

  /// The argument vector, binary first.
  public var arguments: [String] {
    var args = [binary, "-accel", accelerator.rawValue]
    if let cpuModel {
      args += ["-cpu", cpuModel]
    } else if accelerator == .kvm {
      args += ["-cpu", "host"]
    }
    args += ["-machine", "pc", "-m", "\(memoryMiB)", "-smp", "\(cpus)"]
    // No default devices, no display: the serial port is the console; -no-reboot makes a
    // guest reboot (or a panic with panic=N) end QEMU instead of looping.
    args += ["-nodefaults", "-display", "none"]
    if exitOnReboot { args.append("-no-reboot") }
    args += ["-kernel", kernel]
    if let initrd { args += ["-initrd", initrd] }
    if !kernelParameters.isEmpty { args += ["-append", kernelParameters.joined(separator: " ")] }
    args += ["-serial", "file:\(serialLog)"]
    if let monitorSocket { args += ["-monitor", "unix:\(monitorSocket),server=on,wait=off"] }
    if vmcoreinfoDevice { args += ["-device", "vmcoreinfo"] }
    for disk in disks { args += ["-drive", "file=\(disk),format=raw,if=virtio"] }
    if let userNetworkDevice {
      // romfile= : no option ROM (iPXE) to load, the kernel is booted directly.
      args += ["-netdev", "user,id=net0", "-device", "\(userNetworkDevice),netdev=net0,romfile="]
    }
    return args
  }

  /// The command line as a shell would show it, for scene.json and error messages.
  public var shellLine: String {
    arguments.map { arg in
      arg.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+@".contains($0) }) ? arg : "'\(arg)'"
    }.joined(separator: " ")
  }
}
