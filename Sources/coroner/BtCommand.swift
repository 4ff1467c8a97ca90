import ArgumentParser
import Dump
import Kernel

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
      Without a selection, prints the task running on each CPU.
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
    let text = json ? Self.json(stacks) : Self.text(stacks)
    DumpCommandSupport.write(Array(text.utf8))
    KernelCommandSupport.warn(vmcore, image.problems + list.problems + backtracer.problems)
  }

  static func text(_ stacks: [TaskStack]) -> String {
    var text = ""
    for stack in stacks {
      let task = stack.task
      text +=
        "PID: \(task.pid)  TASK: \(String(task.address, radix: 16))  CPU: \(task.cpu.map(String.init) ?? "-")"
      text += "  COMMAND: \"\(task.comm)\"  STATE: \(task.state)  (from \(stack.start))\n"
      for (index, frame) in stack.frames.enumerated() {
        let number = index < 10 ? " #\(index)" : "#\(index)"
        text += " \(number) \(frame.description)\n"
      }
      if case .stopped(let why) = stack.ending { text += "     (unwind stopped: \(why))\n" }
      text += "\n"
    }
    return text
  }

  static func json(_ stacks: [TaskStack]) -> String {
    func string(_ value: String?) -> String { value.map(DumpCommandSupport.jsonString) ?? "null" }
    let items = stacks.map { stack -> String in
      let task = stack.task
      let frames = stack.frames.map { frame in
        "{\"pc\": \"\(DumpCommandSupport.hex(frame.frame.pc))\", \"function\": \(string(frame.function)), "
          + "\"offset\": \(frame.offset.map { "\"\(DumpCommandSupport.hex($0))\"" } ?? "null"), "
          + "\"module\": \(string(frame.module)), \"reliable\": \(frame.frame.reliable)}"
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
