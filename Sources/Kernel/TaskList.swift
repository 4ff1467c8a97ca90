/// A task as ps and crash list it.
public struct KernelTask: Sendable, Equatable {
  /// The `struct task_struct` address.
  public var address: UInt64
  public var pid: Int32
  public var tgid: Int32
  public var comm: String
  public var state: Character
  public var rawState: UInt64
  public var exitState: UInt64
  public var flags: UInt32
  /// The CPU the task last ran on.
  public var cpu: Int?
  /// The CPU whose runqueue was running it at the time of the dump.
  public var runningOn: Int?
  public var stack: UInt64
  /// `thread.sp`: where `__switch_to_asm` left the task's `inactive_task_frame`.
  public var savedSp: UInt64
  /// The `task_struct` fields that could not be read (their page is not in the
  /// dump), e.g. `["stack", "thread.sp"]`: the task is listed with the rest, and
  /// what needs the missing fields (its backtrace) reports them.
  public var unreadable: [String] = []

  /// PF_KTHREAD (include/linux/sched.h).
  public var isKernelThread: Bool { flags & 0x0020_0000 != 0 }
}

/// Every task: the thread-group leaders on `init_task.tasks`, each leader's threads
/// on `signal->thread_head` (or the older `thread_group` ring), and each CPU's idle
/// task (`rq->idle`, off every list). Walks are bounded and remember what they have
/// seen: a list that loops or leaves memory ends the walk with a problem, not a hang.
public struct TaskList: Sendable {
  public var tasks: [KernelTask]
  public var runQueues: [RunQueue]
  public var perCpu: PerCpu
  public var layout: TaskLayout
  /// Where a walk broke off, in words.
  public var problems: [String]

  /// PID_MAX_LIMIT on 64-bit (include/linux/threads.h): no more tasks can exist.
  static let maximumTasks = 4 * 1024 * 1024

  public init(image: KernelImage) throws {
    layout = try TaskLayout(image: image)
    perCpu = try PerCpu(image: image)
    runQueues = (try? RunQueue.read(image: image, perCpu: perCpu)) ?? []
    problems = []
    tasks = []
    var seen = Set<UInt64>()
    let initTask = try image.global("init_task")
    let running = Dictionary(runQueues.map { ($0.current, $0.cpu) }, uniquingKeysWith: { first, _ in first })

    func add(_ address: UInt64) -> Bool {
      guard seen.insert(address).inserted else { return false }
      do {
        tasks.append(try Self.readTask(at: address, image: image, layout: layout, running: running))
      } catch {
        problems.append("task at 0x\(String(address, radix: 16)) cannot be read: \(error)")
      }
      return true
    }

    let leaders = walk(
      image: image, head: initTask + UInt64(layout.tasks), nodeOffset: layout.tasks, what: "init_task.tasks",
      includeHead: true)
    for leader in leaders {
      _ = add(leader)
      for thread in threads(of: leader, image: image) where thread != leader { _ = add(thread) }
    }
    for queue in runQueues.sorted(by: { $0.cpu < $1.cpu }) {
      _ = add(queue.idle)
      if !seen.contains(queue.current) { _ = add(queue.current) }
    }
  }

  /// The entries of a `list_head` ring as the addresses of the structures holding
  /// them (`container_of`), the head's own structure first when `includeHead`.
  mutating func walk(
    image: KernelImage, head: UInt64, nodeOffset: Int, what: String, includeHead: Bool
  ) -> [UInt64] {
    var result: [UInt64] = includeHead ? [head &- UInt64(nodeOffset)] : []
    var visited: Set<UInt64> = [head]
    var node: UInt64
    do { node = try image.word(head) } catch {
      problems.append("\(what): the list head at 0x\(String(head, radix: 16)) cannot be read: \(error)")
      return result
    }
    while node != head {
      guard visited.insert(node).inserted else {
        problems.append(
          "\(what): the list loops at 0x\(String(node, radix: 16)) without returning to its head")
        break
      }
      guard result.count < Self.maximumTasks else {
        problems.append("\(what): more than \(Self.maximumTasks) entries; the walk stops")
        break
      }
      result.append(node &- UInt64(nodeOffset))
      do { node = try image.word(node) } catch {
        problems.append("\(what): the list breaks at 0x\(String(node, radix: 16)): \(error)")
        break
      }
    }
    return result
  }

  /// The threads of a group leader.
  mutating func threads(of leader: UInt64, image: KernelImage) -> [UInt64] {
    if let head = layout.threadHead, let node = layout.threadNode {
      guard let signal = try? image.word(leader + UInt64(layout.signal)), signal != 0 else { return [] }
      return walk(
        image: image, head: signal + UInt64(head), nodeOffset: node,
        what: "thread group of task 0x\(String(leader, radix: 16))", includeHead: false)
    }
    if let group = layout.threadGroup {
      return walk(
        image: image, head: leader + UInt64(group), nodeOffset: group,
        what: "thread group of task 0x\(String(leader, radix: 16))", includeHead: false)
    }
    return []
  }

  static func readTask(
    at address: UInt64, image: KernelImage, layout: TaskLayout, running: [UInt64: Int]
  ) throws -> KernelTask {
    // Field by field rather than the whole structure: a task_struct spans three
    // pages on x86-64, and one page missing from a filtered dump must cost only
    // the fields on it. Identity fields (pid, comm, state, flags) are required;
    // the CPU, stack and saved stack pointer are marked unreadable when missing.
    func value(_ offset: Int, _ size: Int, _ field: String) throws -> UInt64 {
      let bytes: [UInt8]
      do { bytes = try image.memory.read(address + UInt64(offset), count: size) } catch {
        throw KernelError(
          "task_struct.\(field)", address: address, expected: "\(size) readable bytes: \(error)")
      }
      guard let value = bytes.littleEndian(0, size: size) else {
        throw KernelError(
          "task_struct.\(field)", address: address, expected: "\(size) bytes at offset \(offset)")
      }
      return value
    }
    var unreadable: [String] = []
    func optional(_ offset: Int, _ size: Int, _ field: String) -> UInt64? {
      guard let value = try? value(offset, size, field) else {
        unreadable.append(field)
        return nil
      }
      return value
    }
    let commBytes = try image.memory.read(address + UInt64(layout.comm), count: layout.commLength)
    let state = try value(layout.state, layout.stateSize, "state")
    let exitState = try value(layout.exitState, 4, "exit_state")
    var task = KernelTask(
      address: address,
      pid: Int32(truncatingIfNeeded: try value(layout.pid, 4, "pid")),
      tgid: Int32(truncatingIfNeeded: try value(layout.tgid, 4, "tgid")),
      comm: String(decoding: commBytes.prefix { $0 != 0 }, as: UTF8.self),
      state: TaskState.letter(state: state, exitState: exitState),
      rawState: state,
      exitState: exitState,
      flags: UInt32(truncatingIfNeeded: try value(layout.flags, 4, "flags")),
      cpu: layout.cpu.flatMap { optional($0, 4, "cpu") }.map { Int($0) },
      runningOn: running[address],
      stack: optional(layout.stack, 8, "stack") ?? 0,
      savedSp: optional(layout.threadSp, 8, "thread.sp") ?? 0)
    task.unreadable = unreadable
    return task
  }
}
