import ArgumentParser
import Dump
import Kernel

/// `coroner ps VMCORE`: every task of the dead kernel, from the dump alone.
struct PsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ps",
    abstract: "List the tasks of the kernel saved in a vmcore, as crash's ps does.",
    discussion: """
      Reads the task list, each task's pid, tgid, comm and state, and which CPU ran it, \
      with the types taken from the kernel's own BTF and the addresses from its own \
      kallsyms: no vmlinux or debuginfo is needed. `>` marks a task running on a CPU at \
      the time of the dump. Exits 65 when the dump lacks kallsyms or BTF.
      """)

  @Argument(help: "The vmcore file (several files: the parts of a makedumpfile --split dump).")
  var vmcore: [String]

  @Flag(help: "One JSON object: {\"tasks\": [{\"pid\", \"tgid\", \"comm\", \"state\", \"cpu\", \"task\"}]}.")
  var json = false

  func run() throws {
    let image = KernelCommandSupport.open(vmcore, modules: false)
    let list: TaskList
    do { list = try TaskList(image: image) } catch { DumpCommandSupport.fail(error, dump: vmcore) }
    let tasks = list.tasks.sorted { ($0.pid, $0.cpu ?? 0) < ($1.pid, $1.cpu ?? 0) }
    var text = ""
    if json {
      text = "{\"tasks\": ["
      text += tasks.map { task in
        "{\"pid\": \(task.pid), \"tgid\": \(task.tgid), \"comm\": \(DumpCommandSupport.jsonString(task.comm)), "
          + "\"state\": \"\(task.state)\", \"cpu\": \(task.cpu.map(String.init) ?? "null"), "
          + "\"task\": \"\(DumpCommandSupport.hex(task.address))\", "
          + "\"unreadable\": [\(task.unreadable.map(DumpCommandSupport.jsonString).joined(separator: ", "))]}"
      }.joined(separator: ", ")
      text += "]}\n"
    } else {
      text = "      PID     TGID  CPU  ST  TASK              COMM\n"
      for task in tasks {
        let mark = task.runningOn != nil ? ">" : " "
        text +=
          mark + pad(String(task.pid), 8) + " " + pad(String(task.tgid), 8) + " "
          + pad(task.cpu.map(String.init) ?? "-", 4) + "  " + String(task.state) + "   "
          + String(task.address, radix: 16) + "  " + (task.isKernelThread ? "[\(task.comm)]" : task.comm)
          + (task.unreadable.isEmpty ? "" : "  (not in the dump: \(task.unreadable.joined(separator: ", ")))")
          + "\n"
      }
    }
    DumpCommandSupport.write(Array(text.utf8))
    KernelCommandSupport.warn(vmcore, image.problems + list.problems)
  }

  private func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
  }
}

/// Opening a dump for its kernel objects, with the vmcore commands' error handling.
enum KernelCommandSupport {
  static func open(_ paths: [String], modules: Bool = true) -> KernelImage {
    let dump = DumpCommandSupport.open(paths)
    do {
      return try KernelImage(vmcore: dump, modules: modules)
    } catch {
      DumpCommandSupport.fail(error, dump: paths)
    }
  }

  static func warn(_ paths: [String], _ problems: [String]) {
    for problem in problems {
      DumpCommandSupport.writeError("coroner: warning: \(paths.joined(separator: " ")): \(problem)\n")
    }
  }
}
