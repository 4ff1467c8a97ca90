import Dump
import Symbols

/// A frame named as the kernel's `%pB` names it: `function+0xoff/0xsize [module]`,
/// the symbol looked up at pc - 1 for a return address (so a call at the very end of
/// a function is its caller's) with the offset of pc itself.
public struct NamedFrame: Sendable, Equatable {
  public var frame: UnwoundFrame
  public var function: String?
  public var offset: UInt64?
  public var size: UInt64?
  public var module: String?

  public var description: String {
    var text = frame.reliable ? "" : "? "
    guard let function, let offset else { return text + "0x" + String(frame.pc, radix: 16) }
    text += function + "+0x" + String(offset, radix: 16)
    if let size { text += "/0x" + String(size, radix: 16) }
    if let module { text += " [\(module)]" }
    return text
  }
}

/// One task's stack: where the unwind started and the named frames.
public struct TaskStack: Sendable {
  public var task: KernelTask
  /// "cpu N registers" or "switch frame".
  public var start: String
  public var frames: [NamedFrame]
  public var ending: UnwoundStack.Ending
}

/// Backtraces of tasks: a task a CPU was running starts from that CPU's saved
/// registers; a sleeping task from the `struct inactive_task_frame` that
/// `__switch_to_asm` pushed at `thread.sp` (arch/x86/include/asm/switch_to.h),
/// whose `ret_addr` is the return address into `__schedule`.
public struct TaskBacktracer: Sendable {
  public let image: KernelImage
  public let unwinder: StackUnwinder
  public let cpuRegisters: [Int: UnwindRegisters]
  public let problems: [String]
  let frameSize: UInt64
  let frameBp: UInt64
  let frameReturn: UInt64
  let forkEntries: Set<UInt64>

  /// THREAD_SIZE on x86_64 without KASAN (arch/x86/include/asm/page_64_types.h).
  static let threadSize: UInt64 = 16 * 1024

  public init(image: KernelImage, tasks: TaskList) throws {
    self.image = image
    let (orc, problems) = try OrcTable.load(image: image)
    let ranges = orc.ranges.map(\.text)
    unwinder = StackUnwinder(
      memory: image.memory, orc: orc, isText: { address in ranges.contains { $0.contains(address) } })
    self.problems = problems
    cpuRegisters = CpuState.read(image: image, perCpu: tasks.perCpu)
    let frame = try image.btf.structure("inactive_task_frame")
    frameSize = try image.btf.size(of: frame)
    frameBp = UInt64(try image.offset("inactive_task_frame.bp"))
    frameReturn = UInt64(try image.offset("inactive_task_frame.ret_addr"))
    forkEntries = Set(["ret_from_fork", "ret_from_fork_asm"].compactMap { image.optionalGlobal($0) })
  }

  public func backtrace(_ task: KernelTask) -> TaskStack {
    let stack = task.stack != 0 ? task.stack..<task.stack &+ Self.threadSize : nil
    if let cpu = task.runningOn, let registers = cpuRegisters[cpu] {
      let unwound = unwinder.unwind(from: registers, isReturnAddress: false, stack: stack)
      return TaskStack(
        task: task, start: "cpu \(cpu) registers", frames: name(unwound.frames), ending: unwound.ending)
    }
    if task.unreadable.contains("thread.sp") {
      return TaskStack(
        task: task, start: "switch frame", frames: [],
        ending: .stopped("task_struct.thread.sp is not in the dump: the stack cannot be unwound"))
    }
    do {
      let bytes = try image.memory.read(task.savedSp, count: Int(frameSize))
      guard let bp = bytes.word(Int(frameBp)), let ip = bytes.word(Int(frameReturn)) else {
        throw KernelError("inactive_task_frame", address: task.savedSp, expected: "\(frameSize) bytes")
      }
      let registers = UnwindRegisters(ip: ip, sp: task.savedSp &+ frameSize, bp: bp)
      // A task that never ran returns into ret_from_fork's first instruction.
      let unwound = unwinder.unwind(from: registers, isReturnAddress: !forkEntries.contains(ip), stack: stack)
      return TaskStack(
        task: task, start: "switch frame", frames: name(unwound.frames), ending: unwound.ending)
    } catch {
      return TaskStack(
        task: task, start: "switch frame", frames: [],
        ending: .stopped("the saved stack pointer \(hex(task.savedSp)) cannot be read: \(error)"))
    }
  }

  func name(_ frames: [UnwoundFrame]) -> [NamedFrame] {
    frames.map { frame in
      let key = frame.isReturnAddress ? frame.pc &- 1 : frame.pc
      // The module whose text holds the pc bounds the table's last symbol when it is its.
      let moduleText = unwinder.orc.ranges.first { $0.name != "vmlinux" && $0.text.contains(key) }?.text
      guard let location = image.symbols.locate(key, lastEndingAt: moduleText?.upperBound),
        location.symbol.isText
      else {
        return NamedFrame(frame: frame)
      }
      var size = location.size
      // A module's last function ends with the module's text, as the kernel's
      // find_kallsyms_symbol() bounds it, not at the next symbol (its data).
      if let module = location.symbol.module,
        let text = unwinder.orc.ranges.first(where: { $0.name == module && $0.text.contains(key) })?.text,
        let known = size
      {
        size = min(known, text.upperBound - location.symbol.address)
      }
      return NamedFrame(
        frame: frame, function: location.symbol.name, offset: frame.pc - location.symbol.address,
        size: size, module: location.symbol.module)
    }
  }
}
