/// The registers an x86_64 unwind step reads: ip, sp and bp always; the others only
/// while a full `struct pt_regs` is known (the first frame from a CPU's saved
/// registers, or the frame after an entry-code REGS frame).
public struct UnwindRegisters: Sendable, Equatable {
  public var ip: UInt64
  public var sp: UInt64
  public var bp: UInt64
  public var ax: UInt64?
  public var dx: UInt64?
  public var di: UInt64?
  public var r10: UInt64?
  public var r13: UInt64?
  /// The code segment, when known: `cs & 3 == 3` is user mode.
  public var cs: UInt64?

  public init(ip: UInt64, sp: UInt64, bp: UInt64) {
    self.ip = ip
    self.sp = sp
    self.bp = bp
  }

  /// `struct pt_regs` (arch/x86/include/asm/ptrace.h): r15 r14 r13 r12 bp bx r11 r10
  /// r9 r8 ax cx dx si di orig_ax ip cs flags sp ss, 8 bytes each. The same order
  /// is `elf_prstatus.pr_reg` (user_regs_struct), which continues with segment bases.
  static let ptRegsSize = 168

  init?(ptRegs bytes: [UInt8], at offset: Int = 0) {
    func reg(_ index: Int) -> UInt64? { bytes.word(offset + 8 * index) }
    guard let ip = reg(16), let sp = reg(19), let bp = reg(4) else { return nil }
    self.init(ip: ip, sp: sp, bp: bp)
    r13 = reg(2)
    r10 = reg(7)
    ax = reg(10)
    dx = reg(12)
    di = reg(14)
    cs = reg(17)
  }

  func value(of register: OrcEntry.Register) -> UInt64? {
    switch register {
    case .sp: return sp
    case .bp: return bp
    case .ax: return ax
    case .dx: return dx
    case .di: return di
    case .r10: return r10
    case .r13: return r13
    default: return nil
    }
  }

  /// Only what a call frame preserves is known in the caller.
  mutating func forgetScratch() {
    ax = nil
    dx = nil
    di = nil
    r10 = nil
    r13 = nil
    cs = nil
  }
}
