import Dump

/// A frame of an unwound stack.
public struct UnwoundFrame: Sendable, Equatable {
  public enum Method: String, Sendable {
    /// The starting registers (a CPU's saved state or a sleeping task's switch frame).
    case start
    /// An ORC step.
    case orc
    /// A frame-pointer step where ORC had no entry.
    case framePointer = "frame pointer"
    /// A text address found by scanning the stack: maybe stale (`?` in the kernel's trace).
    case scan
  }

  public var pc: UInt64
  /// Whether pc is a return address, so that the symbol is the one of pc - 1 (the
  /// call), as the kernel's `%pB` looks it up.
  public var isReturnAddress: Bool
  public var reliable: Bool
  public var method: Method
}

/// An unwound stack and why it ended.
public struct UnwoundStack: Sendable, Equatable {
  public enum Ending: Sendable, Equatable {
    /// ORC's end-of-stack entry: ret_from_fork, the idle task's start.
    case endOfStack
    /// A pt_regs frame from user mode: the syscall or exception entry.
    case userMode
    /// The unwind could not go on; what follows, if anything, is a scan.
    case stopped(String)
  }

  public var frames: [UnwoundFrame]
  public var ending: Ending
}

/// ORC unwinding as arch/x86/kernel/unwind_orc.c unwind_next_frame() does it: find the
/// caller's stack pointer from the entry's sp register and offset, then the return
/// address below it (CALL), or a full pt_regs (REGS) or IRET frame (REGS_PARTIAL)
/// at it; then the caller's frame pointer. Where ORC has no entry, one frame-pointer
/// step; where that fails too, a scan of the stack for text addresses, each marked
/// unreliable, as show_trace_log_lvl() prints them with `?`.
public struct StackUnwinder: Sendable {
  public let memory: KernelMemory
  public let orc: OrcTable
  /// Whether an address is in kernel or module text.
  public let isText: @Sendable (UInt64) -> Bool

  public static let maximumFrames = 96
  static let maximumScanned = 48
  /// How far past the stack pointer a scan looks when the stack's end is not known.
  static let scanWindow: UInt64 = 4096

  public init(memory: KernelMemory, orc: OrcTable, isText: @escaping @Sendable (UInt64) -> Bool) {
    self.memory = memory
    self.orc = orc
    self.isText = isText
  }

  /// Unwinds from `start`. `isReturnAddress`: whether start.ip is a return address
  /// (a sleeping task's) rather than an interrupted instruction (a CPU's).
  /// `stack` bounds the scan fallback (the task's stack).
  public func unwind(
    from start: UnwindRegisters, isReturnAddress: Bool, stack: Range<UInt64>?
  ) -> UnwoundStack {
    unwind(from: start, isReturnAddress: isReturnAddress, stack: stack, depth: 0, reliable: true)
  }

  func unwind(
    from start: UnwindRegisters, isReturnAddress: Bool, stack: Range<UInt64>?, depth: Int, reliable: Bool
  ) -> UnwoundStack {
    var frames = [
      UnwoundFrame(pc: start.ip, isReturnAddress: isReturnAddress, reliable: reliable, method: .start)
    ]
    var registers = start
    var exact = !isReturnAddress
    var reliable = reliable
    // A resynchronized unwind may not resynchronize again.
    let mayResynchronize = depth == 0
    while depth + frames.count < Self.maximumFrames {
      let key = exact ? registers.ip : registers.ip &- 1
      guard let entry = orc.lookup(key) else {
        if let next = framePointerStep(registers) {
          reliable = false
          registers = next
          exact = false
          frames.append(
            UnwoundFrame(pc: next.ip, isReturnAddress: true, reliable: false, method: .framePointer))
          continue
        }
        let why = "no ORC entry for \(hex(registers.ip))"
        guard mayResynchronize else { return UnwoundStack(frames: frames, ending: .stopped(why)) }
        return resynchronize(frames, registers, stack: stack, why: why)
      }
      switch step(entry, registers) {
      case .end(let ending):
        return UnwoundStack(frames: frames, ending: ending)
      case .failed(let why):
        guard mayResynchronize else { return UnwoundStack(frames: frames, ending: .stopped(why)) }
        return resynchronize(frames, registers, stack: stack, why: why)
      case .next(let next, let nextExact):
        registers = next
        exact = nextExact
        frames.append(
          UnwoundFrame(pc: next.ip, isReturnAddress: !nextExact, reliable: reliable, method: .orc))
      }
    }
    return UnwoundStack(frames: frames, ending: .stopped("more than \(Self.maximumFrames) frames"))
  }

  enum Step {
    case next(UnwindRegisters, exact: Bool)
    case end(UnwoundStack.Ending)
    case failed(String)
  }

  func step(_ entry: OrcEntry, _ registers: UnwindRegisters) -> Step {
    switch entry.kind {
    case .endOfStack: return .end(.endOfStack)
    case .undefined: return .failed("ORC marks \(hex(registers.ip)) as having no unwind information")
    default: break
    }
    let offset = UInt64(bitPattern: Int64(entry.spOffset))
    var cfa: UInt64
    switch entry.spRegister {
    case .sp: cfa = registers.sp &+ offset
    case .bp: cfa = registers.bp &+ offset
    case .spIndirect:
      guard let value = try? memory.u64(registers.sp) else {
        return .failed("cannot read \(hex(registers.sp))")
      }
      cfa = value &+ offset
    case .bpIndirect:
      guard let value = try? memory.u64(registers.bp &+ offset) else {
        return .failed("cannot read \(hex(registers.bp &+ offset))")
      }
      cfa = value
    case .ax, .dx, .di, .r10, .r13:
      guard let value = registers.value(of: entry.spRegister) else {
        return .failed("ORC at \(hex(registers.ip)) needs \(entry.spRegister), which is not known here")
      }
      cfa = value
    case .undefined, .previousSp:
      return .failed("ORC at \(hex(registers.ip)) has no stack pointer rule")
    }
    var next = registers
    var ptRegs: UnwindRegisters?
    switch entry.kind {
    case .call:
      guard let ip = try? memory.u64(cfa &- 8) else {
        return .failed("cannot read the return address at \(hex(cfa &- 8))")
      }
      next.ip = ip
      next.sp = cfa
      next.forgetScratch()
    case .regs:
      guard let bytes = try? memory.read(cfa, count: UnwindRegisters.ptRegsSize),
        let regs = UnwindRegisters(ptRegs: bytes)
      else { return .failed("cannot read pt_regs at \(hex(cfa))") }
      if let cs = regs.cs, cs & 3 == 3 { return .end(.userMode) }
      next = regs
      ptRegs = regs
    case .regsPartial:
      // The IRET frame: ip, cs, flags, sp, ss.
      guard let bytes = try? memory.read(cfa, count: 40), let ip = bytes.word(0), let cs = bytes.word(8),
        let sp = bytes.word(24)
      else { return .failed("cannot read the IRET frame at \(hex(cfa))") }
      if cs & 3 == 3 { return .end(.userMode) }
      next.ip = ip
      next.sp = sp
      next.cs = cs
    default:
      return .failed("unexpected ORC entry kind")
    }
    let bpOffset = UInt64(bitPattern: Int64(entry.bpOffset))
    switch entry.bpRegister {
    case .undefined:
      if let ptRegs { next.bp = ptRegs.bp }
    case .previousSp:
      guard let bp = try? memory.u64(cfa &+ bpOffset) else {
        return .failed("cannot read the saved bp at \(hex(cfa &+ bpOffset))")
      }
      next.bp = bp
    case .bp:
      guard let bp = try? memory.u64(registers.bp &+ bpOffset) else {
        return .failed("cannot read the saved bp at \(hex(registers.bp &+ bpOffset))")
      }
      next.bp = bp
    default:
      break
    }
    let switchesStack =
      entry.kind != .call || entry.spRegister == .spIndirect || entry.spRegister == .bpIndirect
    if !switchesStack, next.sp <= registers.sp {
      return .failed("the stack pointer goes the wrong way at \(hex(registers.ip))")
    }
    if next.ip == 0 { return .failed("a return address of 0 at \(hex(cfa &- 8))") }
    return .next(next, exact: entry.signal)
  }

  /// One step of the frame-pointer chain: [bp] is the caller's bp, [bp + 8] the
  /// return address.
  func framePointerStep(_ registers: UnwindRegisters) -> UnwindRegisters? {
    let bp = registers.bp
    guard bp > registers.sp, bp & 7 == 0, let frame = try? memory.read(bp, count: 16),
      let savedBp = frame.word(0), let ip = frame.word(8), isText(ip)
    else { return nil }
    return UnwindRegisters(ip: ip, sp: bp &+ 16, bp: savedBp)
  }

  /// Where ORC cannot go on, the stack is searched upwards for a return address ORC
  /// can continue from: a text address right after a call instruction whose own
  /// entry gives a caller and from which ORC reaches the bottom of the stack. The
  /// unwind resumes there, every frame from then on marked
  /// unreliable. This recovers the panicking CPU, whose registers
  /// crash_setup_regs() takes at a label ORC does not describe. When nothing fits,
  /// the text addresses on the stack are listed, unreliable (`?` in the kernel's trace).
  func resynchronize(
    _ frames: [UnwoundFrame], _ registers: UnwindRegisters, stack: Range<UInt64>?, why: String
  ) -> UnwoundStack {
    let sp = registers.sp
    let end: UInt64
    if let stack, stack.contains(sp) { end = stack.upperBound } else { end = sp &+ Self.scanWindow }
    guard sp & 7 == 0, end > sp, end - sp <= 64 * 1024 else {
      return UnwoundStack(frames: frames, ending: .stopped(why))
    }
    let (bytes, _, _) = memory.readAvailable(sp, count: Int(end - sp))
    for index in stride(from: 0, to: bytes.count - 7, by: 8) {
      guard let word = bytes.word(index), isText(word), followsCall(word),
        let entry = orc.lookup(word &- 1), entry.kind == .call
      else { continue }
      let candidate = UnwindRegisters(ip: word, sp: sp &+ UInt64(index) &+ 8, bp: registers.bp)
      if case .failed = step(entry, candidate) { continue }
      var frames = frames
      frames.append(UnwoundFrame(pc: word, isReturnAddress: true, reliable: false, method: .scan))
      var rest = unwind(
        from: candidate, isReturnAddress: true, stack: stack, depth: frames.count, reliable: false)
      // A stale return address left below the live frames leads nowhere: only a
      // chain that reaches the bottom of the stack is taken.
      if case .stopped = rest.ending { continue }
      rest.frames.removeFirst()
      frames += rest.frames
      return UnwoundStack(frames: frames, ending: rest.ending)
    }
    return scanned(frames, bytes: bytes, why: why)
  }

  /// Whether the bytes before `address` end with a call: `E8 rel32`, or `FF /2` with a
  /// register, memory, disp8, disp32 or RIP-relative operand (2, 3, 6 or 7 bytes).
  func followsCall(_ address: UInt64) -> Bool {
    guard let code = try? memory.read(address &- 7, count: 7) else { return false }
    if code[2] == 0xE8 { return true }
    for length in [2, 3, 6, 7] where code[7 - length] == 0xFF {
      if (code[8 - length] >> 3) & 7 == 2 { return true }
    }
    return false
  }

  /// The frames so far, then every text address in `bytes` (the stack above sp).
  func scanned(_ frames: [UnwoundFrame], bytes: [UInt8], why: String) -> UnwoundStack {
    var frames = frames
    var found = 0
    for index in stride(from: 0, to: bytes.count - 7, by: 8) {
      guard let word = bytes.word(index), isText(word) else { continue }
      frames.append(UnwoundFrame(pc: word, isReturnAddress: true, reliable: false, method: .scan))
      found += 1
      if found == Self.maximumScanned { break }
    }
    return UnwoundStack(frames: frames, ending: .stopped(why))
  }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
