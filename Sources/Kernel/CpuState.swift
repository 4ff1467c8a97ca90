import Dump

/// The registers each CPU had at the time of the dump. A kdump kernel's crash path
/// saves them as an ELF NT_PRSTATUS note in the CPU's per-CPU `crash_notes` buffer
/// (kernel/crash_core.c crash_save_cpu(): the panicking CPU's from
/// crash_setup_regs(), the others' as the crash NMI interrupted them). Reading the
/// buffer of CPU n avoids guessing from the order of the notes in the dump, which
/// skips CPUs that did not answer. A QEMU dump has no such notes; its per-vCPU
/// QEMUCPUState notes are used instead.
public enum CpuState {
  /// `struct elf_prstatus`: pr_pid at 32, pr_reg at 112.
  static let prstatusSize = 336
  static let registersOffset = 112

  public static func read(image: KernelImage, perCpu: PerCpu) -> [Int: UnwindRegisters] {
    var result: [Int: UnwindRegisters] = [:]
    if let symbol = image.optionalGlobal("crash_notes"), let notes = try? image.word(symbol), notes != 0 {
      for cpu in perCpu.online {
        guard let buffer = perCpu.address(notes, cpu: cpu), let registers = prstatus(at: buffer, image: image)
        else { continue }
        result[cpu] = registers
      }
    }
    // QEMU dumps: the vCPU's notes (Dump pairs each PRSTATUS with its vCPU number).
    for cpu in image.vmcore.cpus where cpu.vcpu != nil {
      guard let index = cpu.vcpu, result[index] == nil, let ip = cpu["rip"], let sp = cpu["rsp"],
        let bp = cpu["rbp"]
      else { continue }
      var registers = UnwindRegisters(ip: ip, sp: sp, bp: bp)
      registers.ax = cpu["rax"]
      registers.dx = cpu["rdx"]
      registers.di = cpu["rdi"]
      registers.r10 = cpu["r10"]
      registers.r13 = cpu["r13"]
      registers.cs = cpu["cs"]
      result[index] = registers
    }
    return result
  }

  /// The NT_PRSTATUS note at `address`: Elf64_Nhdr (namesz, descsz, type), the name
  /// "CORE" padded to 4 bytes, then the descriptor.
  static func prstatus(at address: UInt64, image: KernelImage) -> UnwindRegisters? {
    guard let header = try? image.memory.read(address, count: 12),
      let nameSize = header.littleEndian(0, size: 4), let descriptorSize = header.littleEndian(4, size: 4),
      let type = header.littleEndian(8, size: 4), nameSize == 5, type == 1, descriptorSize >= prstatusSize
    else { return nil }
    let descriptor = address + 12 + (nameSize + 3) / 4 * 4
    guard let bytes = try? image.memory.read(descriptor, count: prstatusSize) else { return nil }
    return UnwindRegisters(ptRegs: bytes, at: registersOffset)
  }
}
