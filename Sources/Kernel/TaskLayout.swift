/// Where `struct task_struct`'s fields lie in this kernel, taken from its BTF by name,
/// so that renames and moves across versions are lookups: `state` became `__state` in
/// 5.14; a task's CPU is `thread_info.cpu` on x86 since 5.16 and `task_struct.cpu`
/// before; `thread_group` is gone in 6.7 while `signal->thread_head` / `thread_node`
/// exist since 3.14.
public struct TaskLayout: Sendable {
  public var size: Int
  public var tasks: Int
  public var pid: Int
  public var tgid: Int
  public var comm: Int
  public var commLength: Int
  public var state: Int
  public var stateSize: Int
  public var exitState: Int
  public var flags: Int
  public var cpu: Int?
  public var onCpu: Int?
  public var stack: Int
  public var threadSp: Int
  public var signal: Int
  /// `signal_struct.thread_head` and `task_struct.thread_node`, when present.
  public var threadHead: Int?
  public var threadNode: Int?
  /// `task_struct.thread_group` (before 6.7), when `thread_head` is not.
  public var threadGroup: Int?

  public init(image: KernelImage) throws {
    let btf = image.btf
    let task = try btf.structure("task_struct")
    size = Int(try btf.size(of: task))
    tasks = try image.offset("task_struct.tasks")
    pid = try image.offset("task_struct.pid")
    tgid = try image.offset("task_struct.tgid")
    let commField = try btf.field("task_struct.comm")
    comm = Int(commField.offset)
    commLength = Int(try btf.size(of: commField.type))
    let stateField = try btf.field(anyOf: ["task_struct.__state", "task_struct.state"])
    state = Int(stateField.offset)
    stateSize = Int(try btf.size(of: stateField.type))
    exitState = try image.offset("task_struct.exit_state")
    flags = try image.offset("task_struct.flags")
    cpu = try? image.offset(anyOf: ["task_struct.thread_info.cpu", "task_struct.cpu"])
    onCpu = try? image.offset("task_struct.on_cpu")
    stack = try image.offset("task_struct.stack")
    threadSp = try image.offset("task_struct.thread.sp")
    signal = try image.offset("task_struct.signal")
    threadHead = try? image.offset("signal_struct.thread_head")
    threadNode = try? image.offset("task_struct.thread_node")
    threadGroup = try? image.offset("task_struct.thread_group")
    guard size > 0, size <= 1 << 20, commLength > 0, commLength <= 64 else {
      throw KernelError(
        "BTF task_struct", expected: "a plausible size and comm length, found \(size), \(commLength)")
    }
  }
}
