import ArgumentParser
import Dump
import Examine
import Kernel
import Symbols

/// `coroner bt VMCORE`: stacks of the dead kernel's tasks, from the dump alone.
struct BtCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bt",
    abstract: "Print backtraces of the tasks of the kernel saved in a vmcore.",
    discussion: """
      Unwinds with the kernel's own ORC tables (vmlinux's and each module's) and names \
      frames from its own kallsyms, as the kernel prints them: function+0xoff/0xsize \
      [module]. A task a CPU was running starts from that CPU's saved registers, a \
      sleeping one from its switch frame. Frames ORC cannot vouch for are marked `?`. \
      Without a selection, prints the task running on each CPU. With --vmlinux or \
      --debug-dir (and --modules for modules' debug files), each frame also gets its \
      file:line and the functions inlined at it, innermost first, as `examine` and \
      `symbolize` resolve them.
      """)

  @Argument(help: "The vmcore file (several files: the parts of a makedumpfile --split dump).")
  var vmcore: [String]

  @Option(name: .long, help: "A task by pid (repeatable).")
  var pid: [Int32] = []

  @Option(name: .long, help: "Tasks in this state letter (R, S, D, T, t, X, Z, P, I).")
  var state: String?

  @Option(name: .long, help: "The task running on this CPU.")
  var cpu: [Int] = []

  @Flag(name: .long, help: "Every task.")
  var all = false

  @Option(help: "The vmlinux with debug info of the dumped kernel, for file:line of every frame.")
  var vmlinux: String?

  @Option(help: "Debug file tree to search (boot/vmlinux-REL, lib/modules/REL, .build-id).")
  var debugDir: String?

  @Option(help: "Folder searched for module debug files (NAME.ko, NAME.ko.debug).")
  var modules: String?

  @Flag(help: "One JSON object: {\"stacks\": [{\"pid\", \"comm\", \"state\", \"cpu\", \"frames\": [...]}]}.")
  var json = false

  func run() throws {
    let image = KernelCommandSupport.open(vmcore)
    let list: TaskList
    let backtracer: TaskBacktracer
    do {
      list = try TaskList(image: image)
      backtracer = try TaskBacktracer(image: image, tasks: list)
    } catch {
      DumpCommandSupport.fail(error, dump: vmcore)
    }
    let tasks = list.tasks.sorted { ($0.pid, $0.cpu ?? 0) < ($1.pid, $1.cpu ?? 0) }.filter { task in
      if all { return true }
      if pid.contains(task.pid) { return true }
      if let state, state.first == task.state { return true }
      if let running = task.runningOn, cpu.contains(running) { return true }
      return pid.isEmpty && state == nil && cpu.isEmpty && task.runningOn != nil
    }
    let stacks = tasks.map(backtracer.backtrace)
    let lines = SourceLines(
      options: ExamineOptions(vmlinux: vmlinux, debugDirectory: debugDir, modulesDirectory: modules),
      release: image.release)
    let sources = stacks.map { stack in stack.frames.map { Self.sources($0, lines) } }
    let text = json ? Self.json(stacks, sources) : Self.text(stacks, sources)
    DumpCommandSupport.write(Array(text.utf8))
    let sourceProblems = lines?.problems.map(\.message) ?? []
    KernelCommandSupport.warn(vmcore, image.problems + list.problems + backtracer.problems + sourceProblems)
  }

  /// The inline chain of a named frame, innermost first; empty without debuginfo.
  static func sources(_ frame: NamedFrame, _ lines: SourceLines?) -> [SourceFrame] {
    guard let lines, let function = frame.function, let offset = frame.offset else { return [] }
    return lines.frames(
      function: function, offset: offset, size: frame.size, module: frame.module,
      isReturnAddress: frame.frame.isReturnAddress)
  }

  /// `file:line`, or the file alone when the line is unknown.
  static func place(_ source: SourceFrame) -> String? {
    guard let file = source.file else { return nil }
    return source.line == 0 ? file : "\(file):\(source.line)"
  }

  static func text(_ stacks: [TaskStack], _ sources: [[[SourceFrame]]]) -> String {
    var text = ""
    for (stackIndex, stack) in stacks.enumerated() {
      let task = stack.task
      text +=
        "PID: \(task.pid)  TASK: \(String(task.address, radix: 16))  CPU: \(task.cpu.map(String.init) ?? "-")"
      text += "  COMMAND: \"\(task.comm)\"  STATE: \(task.state)  (from \(stack.start))\n"
      for (index, frame) in stack.frames.enumerated() {
        let number = index < 10 ? " #\(index)" : "#\(index)"
        let chain = sources[stackIndex][index]
        // The outermost entry is the function the code was compiled in: its line is
        // the frame's; inlined callees inside it are listed above it, innermost first.
        text += " \(number) \(frame.description)"
        if let outer = chain.last, let place = place(outer) { text += " at \(place)" }
        text += "\n"
        for inlined in chain.dropLast() {
          text += "       inlined \(inlined.function ?? "?") at \(place(inlined) ?? "?")\n"
        }
      }
      if case .stopped(let why) = stack.ending { text += "     (unwind stopped: \(why))\n" }
      text += "\n"
    }
    return text
  }

  static func json(_ stacks: [TaskStack], _ sources: [[[SourceFrame]]]) -> String {
    func string(_ value: String?) -> String { value.map(DumpCommandSupport.jsonString) ?? "null" }
    // file, line and the inline chain only where debuginfo resolved the frame.
    func source(_ chain: [SourceFrame]) -> String {
      guard let outer = chain.last, let file = outer.file else { return "" }
      let inlined = chain.dropLast().map { entry in
        "{\"function\": \(string(entry.function)), \"file\": \(string(entry.file)), "
          + "\"line\": \(entry.line == 0 ? "null" : String(entry.line))}"
      }
      return ", \"file\": \(string(file)), \"line\": \(outer.line == 0 ? "null" : String(outer.line)), "
        + "\"inlined\": [\(inlined.joined(separator: ", "))]"
    }
    let items = stacks.enumerated().map { stackIndex, stack -> String in
      let task = stack.task
      let frames = stack.frames.enumerated().map { index, frame in
        "{\"pc\": \"\(DumpCommandSupport.hex(frame.frame.pc))\", \"function\": \(string(frame.function)), "
          + "\"offset\": \(frame.offset.map { "\"\(DumpCommandSupport.hex($0))\"" } ?? "null"), "
          + "\"module\": \(string(frame.module)), \"reliable\": \(frame.frame.reliable)"
          + source(sources[stackIndex][index]) + "}"
      }
      var ending = "null"
      if case .stopped(let why) = stack.ending { ending = DumpCommandSupport.jsonString(why) }
      return "{\"pid\": \(task.pid), \"comm\": \(DumpCommandSupport.jsonString(task.comm)), "
        + "\"state\": \"\(task.state)\", \"cpu\": \(task.cpu.map(String.init) ?? "null"), "
        + "\"task\": \"\(DumpCommandSupport.hex(task.address))\", \"error\": \(ending), "
        + "\"frames\": [\(frames.joined(separator: ", "))]}"
    }
    return "{\"stacks\": [" + items.joined(separator: ", ") + "]}\n"
  }
}
