import Bytes

/// The registers of one CPU at the time of the dump, from an NT_PRSTATUS note (the
/// kernel's `crash_save_cpu`) or QEMU's QEMUCPUState note.
public struct CpuRegisters: Sendable, Equatable {
  /// Where the registers came from.
  public enum Source: String, Sendable { case prstatus, qemu }

  public var source: Source
  /// kdump: the pid running on that CPU; QEMU: the vCPU index + 1.
  public var pid: Int32
  /// Register names and values in the order `struct user_regs_struct` keeps them.
  public var registers: [(name: String, value: UInt64)]
  /// Control registers (QEMU notes only): cr0, cr1, cr2, cr3, cr4.
  public var controlRegisters: [UInt64]
  /// The vCPU number in a QEMU dump, whose notes come per vCPU in order; nil in a
  /// kdump vmcore, where offline CPUs are simply missing and numbers are not stored.
  public var vcpu: Int?

  public static func == (lhs: CpuRegisters, rhs: CpuRegisters) -> Bool {
    lhs.source == rhs.source && lhs.pid == rhs.pid && lhs.controlRegisters == rhs.controlRegisters
      && lhs.vcpu == rhs.vcpu
      && lhs.registers.map(\.name) == rhs.registers.map(\.name)
      && lhs.registers.map(\.value) == rhs.registers.map(\.value)
  }

  public subscript(name: String) -> UInt64? {
    registers.first { $0.name == name }?.value
  }

  /// `pr_reg` of `struct elf_prstatus` on x86_64 (arch/x86/include/asm/user_64.h).
  static let prstatusNames = [
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
    "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es",
    "fs", "gs",
  ]

  /// Decodes an x86_64 NT_PRSTATUS descriptor (336 bytes; pr_pid at 32, pr_reg at 112).
  public init(prstatus note: ElfNote, path: String) throws {
    let reader = FieldReader(
      bytes: note.descriptor, path: path, fileOffset: note.fileOffset, structure: "elf_prstatus")
    source = .prstatus
    pid = try reader.i32(32, "pr_pid")
    var registers: [(String, UInt64)] = []
    for (index, name) in Self.prstatusNames.enumerated() {
      registers.append((name, try reader.u64(112 + 8 * index, "pr_reg.\(name)")))
    }
    self.registers = registers
    controlRegisters = []
  }

  /// QEMUCPUState (target/i386/arch_dump.c), version 1: general registers from 8,
  /// segments from 152, cr[5] from 392.
  static let qemuNames = [
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15", "rip", "rflags",
  ]

  public init(qemu note: ElfNote, index: Int, path: String) throws {
    let reader = FieldReader(
      bytes: note.descriptor, path: path, fileOffset: note.fileOffset, structure: "QEMUCPUState")
    let version = try reader.u32(0, "version")
    guard version == 1 else {
      throw DumpError.badField(
        path: path, offset: note.fileOffset, field: "QEMUCPUState.version", expected: "1, found \(version)")
    }
    source = .qemu
    pid = Int32(truncatingIfNeeded: index + 1)
    vcpu = index
    var registers: [(String, UInt64)] = []
    for (position, name) in Self.qemuNames.enumerated() {
      registers.append((name, try reader.u64(8 + 8 * position, name)))
    }
    let segments = ["cs", "ds", "es", "fs", "gs", "ss"]
    for (position, name) in segments.enumerated() {
      registers.append((name, UInt64(try reader.u32(152 + 24 * position, "\(name).selector"))))
    }
    registers.append(("fs_base", try reader.u64(152 + 24 * 3 + 16, "fs.base")))
    registers.append(("gs_base", try reader.u64(152 + 24 * 4 + 16, "gs.base")))
    self.registers = registers
    controlRegisters = try (0..<5).map { try reader.u64(392 + 8 * $0, "cr\($0)") }
  }
}
