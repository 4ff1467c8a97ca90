/// One ORC entry (arch/x86/include/asm/orc_types.h): how to find the caller's stack
/// pointer, frame pointer and return address at a range of instructions. The packed
/// 6-byte layout changed three times; entries are decoded into this one form.
public struct OrcEntry: Sendable, Equatable {
  public enum Register: Sendable, Equatable {
    case undefined, previousSp, ax, dx, di, bp, sp, r10, r13, bpIndirect, spIndirect
  }

  public enum Kind: Sendable, Equatable {
    /// No unwind information: an error unless the stack ends here.
    case undefined
    /// The bottom of a stack (ret_from_fork, the entry code's user frame).
    case endOfStack
    /// A normal call frame: the return address is just below the caller's SP.
    case call
    /// A full `struct pt_regs` at the caller's SP (entry code, exceptions).
    case regs
    /// Only the hardware IRET frame at the caller's SP.
    case regsPartial
  }

  public var spOffset: Int16
  public var bpOffset: Int16
  public var spRegister: Register
  public var bpRegister: Register
  public var kind: Kind
  /// Set on entries at a signal (interrupt/exception) boundary: the next address
  /// is looked up as it is, not as a return address (6.3+; before, REGS frames only).
  public var signal: Bool
}

/// The ORC entry layouts, as drgn numbers them (libdrgn/orc.h).
public enum OrcFormat: Sendable, Equatable {
  /// 4.14 to 6.2: sp_reg bits 0–3, bp_reg 4–7, type 8–9 (CALL 0, REGS 1,
  /// REGS_PARTIAL 2), end 10.
  case v1
  /// 6.3: as v1 with `signal` at bit 10 and `end` at bit 11.
  case v2
  /// 6.4 to 7.0: type bits 8–10 (UNDEFINED 0, END_OF_STACK 1, CALL 2, REGS 3,
  /// REGS_PARTIAL 4), signal bit 11; `.orc_header` holds a hash of the format.
  case v3
  /// 7.1: as v3 with the registers renumbered.
  case v4

  /// The format of a kernel: the release decides, with the presence of
  /// `__start_orc_header` (6.4+, backported to 6.3.10) breaking ties.
  public static func detect(version: (Int, Int)?, hasHeader: Bool) -> OrcFormat {
    guard let version else { return hasHeader ? .v3 : .v1 }
    if version >= (7, 1) { return .v4 }
    if hasHeader || version >= (6, 4) { return .v3 }
    if version >= (6, 3) { return .v2 }
    return .v1
  }

  /// The size of one packed entry.
  static let entrySize = 6

  /// Decodes the 6 bytes at `offset` of `bytes`.
  func decode(_ bytes: [UInt8], at offset: Int) -> OrcEntry? {
    guard offset >= 0, offset + 6 <= bytes.count else { return nil }
    let sp = Int16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
    let bp = Int16(bitPattern: UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8)
    let bits = UInt16(bytes[offset + 4]) | UInt16(bytes[offset + 5]) << 8
    let spRegister = register(Int(bits & 0xf))
    let bpRegister = register(Int(bits >> 4 & 0xf))
    let kind: OrcEntry.Kind
    let signal: Bool
    switch self {
    case .v1, .v2:
      let end = self == .v1 ? bits >> 10 & 1 != 0 : bits >> 11 & 1 != 0
      if spRegister == .undefined {
        kind = end ? .endOfStack : .undefined
      } else {
        switch bits >> 8 & 3 {
        case 0: kind = .call
        case 1: kind = .regs
        case 2: kind = .regsPartial
        default: kind = .undefined
        }
      }
      signal = self == .v2 ? bits >> 10 & 1 != 0 : (kind == .regs || kind == .regsPartial)
    case .v3, .v4:
      switch bits >> 8 & 7 {
      case 1: kind = .endOfStack
      case 2: kind = .call
      case 3: kind = .regs
      case 4: kind = .regsPartial
      default: kind = .undefined
      }
      signal = bits >> 11 & 1 != 0
    }
    return OrcEntry(
      spOffset: sp, bpOffset: bp, spRegister: spRegister, bpRegister: bpRegister, kind: kind, signal: signal)
  }

  private func register(_ value: Int) -> OrcEntry.Register {
    if self == .v4 {
      let table: [OrcEntry.Register] = [
        .undefined, .ax, .dx, .sp, .bp, .di, .r10, .r13, .previousSp, .spIndirect, .bpIndirect,
      ]
      return value < table.count ? table[value] : .undefined
    }
    let table: [OrcEntry.Register] = [
      .undefined, .previousSp, .dx, .di, .bp, .sp, .r10, .r13, .bpIndirect, .spIndirect,
    ]
    return value < table.count ? table[value] : .undefined
  }
}
