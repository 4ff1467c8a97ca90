/// What the dead kernel's tasks show, read from the dump's memory (BTF, ORC,
/// kallsyms): the stack of the task that panicked; for a hang (hung task, soft or
/// hard lockup, RCU stall) every task in D state and each CPU's running task, the
/// lock each blocked task waits for with its owner, and the cycles of that
/// wait-for graph, which are deadlocks. JSON: `"tasks": {"panic_task", "blocked",
/// "running", "owners", "deadlocks"}`.
public struct TaskScene: Sendable, Hashable, Codable {
  /// The task the panicking CPU was running, unwound from that CPU's saved registers.
  public var panicTask: TaskTrace?
  /// Hangs: the tasks in D state, and any other task waiting for a sleeping lock.
  public var blocked: [TaskTrace]
  /// Hangs: the task each CPU was running.
  public var running: [TaskTrace]
  /// Tasks that own a lock a blocked task waits for and are not listed above.
  public var owners: [TaskTrace]
  public var deadlocks: [Deadlock]

  public init(
    panicTask: TaskTrace? = nil, blocked: [TaskTrace] = [], running: [TaskTrace] = [],
    owners: [TaskTrace] = [],
    deadlocks: [Deadlock] = []
  ) {
    self.panicTask = panicTask
    self.blocked = blocked
    self.running = running
    self.owners = owners
    self.deadlocks = deadlocks
  }

  enum CodingKeys: String, CodingKey {
    case panicTask = "panic_task"
    case blocked, running, owners, deadlocks
  }
}

/// One task and its stack, as `coroner bt --json` gives it, with the lock it waits for.
public struct TaskTrace: Sendable, Hashable, Codable {
  public var pid: Int32
  public var comm: String
  /// The ps state letter.
  public var state: String
  public var cpu: Int?
  /// The `task_struct` address, hex.
  public var task: String
  public var frames: [TaskFrame]
  /// Why the unwind stopped early, nil when it reached the stack's bottom.
  public var error: String?
  public var waitsFor: LockReport?

  public init(
    pid: Int32, comm: String, state: String, cpu: Int?, task: String, frames: [TaskFrame],
    error: String? = nil,
    waitsFor: LockReport? = nil
  ) {
    self.pid = pid
    self.comm = comm
    self.state = state
    self.cpu = cpu
    self.task = task
    self.frames = frames
    self.error = error
    self.waitsFor = waitsFor
  }

  enum CodingKeys: String, CodingKey {
    case pid, comm, state, cpu, task, frames, error
    case waitsFor = "waits_for"
  }

  /// `det_deadlock_ab (pid 102)`.
  public var label: String { "\(comm) (pid \(pid))" }
}

/// A frame of a task's stack: `function+0xoffset [module]`, `?` when unreliable.
public struct TaskFrame: Sendable, Hashable, Codable {
  /// Hex.
  public var pc: String
  public var function: String?
  public var offset: UInt64?
  public var module: String?
  public var reliable: Bool

  public init(pc: String, function: String?, offset: UInt64?, module: String?, reliable: Bool) {
    self.pc = pc
    self.function = function
    self.offset = offset
    self.module = module
    self.reliable = reliable
  }

  public var description: String {
    var text = reliable ? "" : "? "
    guard let function, let offset else { return text + pc }
    text += function + "+0x" + String(offset, radix: 16)
    if let module { text += " [\(module)]" }
    return text
  }
}

/// The sleeping lock a task waits for and who holds it.
public struct LockReport: Sendable, Hashable, Codable {
  /// `mutex`, `rw_semaphore` or `semaphore`.
  public var kind: String
  /// The lock's address (hex); nil when it could not be found.
  public var lock: String?
  /// Its name when it is a global: `det_lock_a [det_deadlock]`.
  public var name: String?
  public var owner: LockHolder?
  /// The pids queued on the lock, in queue order.
  public var waiters: [Int32]
  /// What could not be read or did not check out.
  public var problems: [String]

  public init(
    kind: String, lock: String?, name: String?, owner: LockHolder?, waiters: [Int32], problems: [String]
  ) {
    self.kind = kind
    self.lock = lock
    self.name = name
    self.owner = owner
    self.waiters = waiters
    self.problems = problems
  }

  /// `mutex det_lock_b [det_deadlock] (0xffff...)` or `mutex at 0xffff...`.
  public var label: String {
    if let name { return "\(kind) \(name)" + (lock.map { " (\($0))" } ?? "") }
    return "\(kind) at \(lock ?? "an unknown address")"
  }
}

/// A lock's owner as its owner word says.
public struct LockHolder: Sendable, Hashable, Codable {
  /// The owning task's address (hex); nil when none is recorded.
  public var task: String?
  public var pid: Int32?
  public var comm: String?
  /// The owner word as read (hex), flag bits included.
  public var word: String
  public var flags: [String]
  /// False when the task is only the last reader of a reader-owned rw_semaphore,
  /// which may have released it (the kernel does not record each reader).
  public var precise: Bool
  /// An rw_semaphore's active readers, a semaphore's count.
  public var count: Int64?
  /// Why the owner is not followed (a word naming no task of the task list).
  public var problem: String?

  public init(
    task: String?, pid: Int32?, comm: String?, word: String, flags: [String], precise: Bool, count: Int64?,
    problem: String?
  ) {
    self.task = task
    self.pid = pid
    self.comm = comm
    self.word = word
    self.flags = flags
    self.precise = precise
    self.count = count
    self.problem = problem
  }
}

/// A cycle of the wait-for graph: each task waits for a lock the next one holds, the
/// last one's lock is held by the first.
public struct Deadlock: Sendable, Hashable, Codable {
  public struct Link: Sendable, Hashable, Codable {
    public var pid: Int32
    public var comm: String
    /// The lock this task waits for (held by the next link's task).
    public var lock: String
  }

  public var links: [Link]

  public init(links: [Link]) { self.links = links }

  /// `det_deadlock_ab (pid 102) waits for mutex det_lock_b held by det_deadlock_ba
  /// (pid 103), which waits for mutex det_lock_a held by det_deadlock_ab (pid 102)`.
  public var description: String {
    guard let first = links.first else { return "" }
    var text = "\(first.comm) (pid \(first.pid))"
    for (index, link) in links.enumerated() {
      let next = links[(index + 1) % links.count]
      text += index == 0 ? " waits for " : ", which waits for "
      text += "\(link.lock) held by \(next.comm) (pid \(next.pid))"
    }
    return text
  }
}
