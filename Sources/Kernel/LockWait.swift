import Dump

/// The sleeping lock a blocked task waits for: found through the waiter the task
/// queued on its own stack, whose `list` is linked into the lock's `wait_list`.
public struct LockWait: Sendable, Equatable {
  /// The waiting task's `task_struct` address.
  public var task: UInt64
  public var kind: SleepingLockKind
  /// The lock's address; nil when the waiter or the list head was not found.
  public var lock: UInt64?
  /// The lock's name when it is a global (`det_lock_a`, `sym+0x10` inside one).
  public var name: String?
  /// The owner as the lock says; nil when the lock cannot be read.
  public var owner: LockOwner?
  /// The tasks queued on the wait list, in queue order (this task among them).
  public var waiters: [UInt64]
  /// What could not be read or did not check out, in words.
  public var problems: [String]

  public init(
    task: UInt64, kind: SleepingLockKind, lock: UInt64? = nil, name: String? = nil, owner: LockOwner? = nil,
    waiters: [UInt64] = [], problems: [String] = []
  ) {
    self.task = task
    self.kind = kind
    self.lock = lock
    self.name = name
    self.owner = owner
    self.waiters = waiters
    self.problems = problems
  }
}

/// Finds the lock each blocked task waits for.
///
/// The waiter is a local of the slow path, so it lies on the waiting task's stack
/// between its saved stack pointer and the stack's end, with `task` equal to the
/// task's own address. Every 8-byte slot holding that address is a candidate; one
/// whose `list` is a consistent link (`next->prev` and `prev->next` point back to it)
/// is the queued waiter: a waiter taken off the list is poisoned by list_del()
/// (include/linux/list.h, LIST_POISON1/2) and fails the check. The ring is then
/// walked: its entries are the waiters, each on its own task's stack, and the one
/// entry that is not is the lock's `wait_list` head, which gives the lock
/// (`container_of`). Walks are bounded and remember what they saw: a ring that loops
/// without returning, a pointer outside the dump or a page filtered out ends the
/// walk with a problem, never a loop or a trap.
public struct LockWaitReader: Sendable {
  public let memory: any KernelMemoryReader
  public let layout: LockLayout
  /// The tasks by their stack's base (stacks are THREAD_SIZE-aligned on x86_64,
  /// arch/x86/include/asm/page_64_types.h THREAD_ALIGN).
  let stacks: [UInt64: UInt64]
  /// Every listed task's address: an owner that is none of them is marked.
  let tasks: Set<UInt64>
  /// Names a global's address (kallsyms), nil when it is not one.
  let globalName: @Sendable (UInt64) -> String?

  static let threadSize: UInt64 = 16 * 1024
  /// More entries on one wait list than tasks the kernel can have means a bad list.
  static let maximumWaiters = 1 << 16

  public init(
    memory: any KernelMemoryReader, layout: LockLayout, tasks: [KernelTask],
    globalName: @escaping @Sendable (UInt64) -> String?
  ) {
    self.memory = memory
    self.layout = layout
    var stacks: [UInt64: UInt64] = [:]
    for task in tasks where task.stack != 0 && task.stack % Self.threadSize == 0 {
      stacks[task.stack] = task.address
    }
    self.stacks = stacks
    self.tasks = Set(tasks.map(\.address))
    self.globalName = globalName
  }

  /// The lock `task` waits for, given its stack's function names (innermost first);
  /// nil when no frame is a sleeping lock's slow path.
  public func wait(of task: KernelTask, functions: [String]) -> LockWait? {
    guard let kind = SleepingLockKind.waitedIn(functions: functions) else { return nil }
    var wait = LockWait(task: task.address, kind: kind)
    guard let layout = layout.kinds[kind] else {
      wait.problems.append("the kernel's BTF does not describe \(kind.structures.lock) and its waiter")
      return wait
    }
    guard let waiter = findWaiter(of: task, layout: layout, problems: &wait.problems) else { return wait }
    let ring = walk(from: waiter &+ UInt64(layout.waiterList), task: task.address, layout: layout)
    wait.problems += ring.problems
    wait.waiters = ring.waiters
    guard let head = ring.head else {
      wait.problems.append("the wait list holds no lock head: only waiters were found")
      return wait
    }
    let lock = head &- UInt64(layout.waitList)
    wait.lock = lock
    wait.name = globalName(lock)
    do {
      wait.owner = try owner(of: lock, kind: kind, layout: layout)
    } catch {
      wait.problems.append("the \(kind.structures.lock) at \(hex(lock)) cannot be read: \(error)")
    }
    return wait
  }

  /// The owner word (and count) of the lock at `lock`.
  func owner(of lock: UInt64, kind: SleepingLockKind, layout: LockKindLayout) throws -> LockOwner {
    func value(_ offset: Int?, size: Int) throws -> UInt64? {
      guard let offset, size > 0 else { return nil }
      let bytes = try memory.read(lock &+ UInt64(offset), count: size)
      return bytes.littleEndian(0, size: size)
    }
    var owner: LockOwner
    switch kind {
    case .mutex:
      owner = LockOwner.mutex(owner: try value(layout.owner, size: 8) ?? 0)
    case .rwSemaphore:
      owner = LockOwner.rwSemaphore(
        owner: try value(layout.owner, size: 8) ?? 0, count: try value(layout.count, size: layout.countSize))
    case .semaphore:
      owner = LockOwner.semaphore(count: try value(layout.count, size: layout.countSize))
    }
    if let task = owner.task, !tasks.contains(task) {
      owner.outsideTaskList = true
    }
    return owner
  }

  /// The waiter on the task's stack whose `task` is the task and whose `list` links
  /// both ways.
  func findWaiter(of task: KernelTask, layout: LockKindLayout, problems: inout [String]) -> UInt64? {
    guard task.stack != 0, !task.unreadable.contains("thread.sp") else {
      problems.append("the task's stack is not known: its waiter cannot be found")
      return nil
    }
    let top = task.stack &+ Self.threadSize
    let start = task.savedSp >= task.stack && task.savedSp < top ? task.savedSp & ~7 : task.stack
    let read = memory.readAvailable(start, count: Int(top - start))
    if read.missing.count > 0 {
      problems.append(
        "\(read.missing.reduce(0) { $0 + $1.count }) bytes of the stack are not in the dump"
          + (read.error.map { ": \($0)" } ?? ""))
    }
    var offset = 0
    var unverified: UInt64?
    while offset + 8 <= read.bytes.count {
      defer { offset += 8 }
      guard read.bytes.word(offset) == task.address else { continue }
      let waiter = start &+ UInt64(offset) &- UInt64(layout.waiterTask)
      switch link(waiter &+ UInt64(layout.waiterList)) {
      case .linked: return waiter
      case .neighboursMissing: if unverified == nil { unverified = waiter }
      case .broken: continue
      }
    }
    if let unverified {
      problems.append(
        "the waiter's neighbours on the wait list are not in the dump: the link is not verified")
      return unverified
    }
    problems.append("no queued waiter of this task on its stack")
    return nil
  }

  enum Link { case linked, neighboursMissing, broken }

  /// Whether the `list_head` at `node` is in a ring: its neighbours point back at
  /// it. Neighbours that cannot be read (a lock in a page the dump filtered out)
  /// neither confirm nor refute it.
  func link(_ node: UInt64) -> Link {
    guard let next = try? memory.u64(node), let prev = try? memory.u64(node &+ 8),
      next >= 0xFFFF_8000_0000_0000, prev >= 0xFFFF_8000_0000_0000
    else { return .broken }
    let nextPrev = try? memory.u64(next &+ 8)
    let prevNext = try? memory.u64(prev)
    if nextPrev == node && prevNext == node { return .linked }
    if nextPrev == nil && prevNext == nil { return .neighboursMissing }
    if (nextPrev == nil || nextPrev == node) && (prevNext == nil || prevNext == node) { return .linked }
    return .broken
  }

  /// The task whose stack holds `node` as a waiter's list, if its `task` says so.
  func waitingTask(at node: UInt64, layout: LockKindLayout) -> UInt64? {
    let waiter = node &- UInt64(layout.waiterList)
    guard let task = stacks[waiter & ~(Self.threadSize - 1)],
      let recorded = try? memory.u64(waiter &+ UInt64(layout.waiterTask)), recorded == task
    else { return nil }
    return task
  }

  /// The ring through `start` (the task's own waiter list): the waiters in queue
  /// order from the head, and the head. Walked forward; where the forward walk
  /// breaks before the head, backward too.
  func walk(
    from start: UInt64, task: UInt64, layout: LockKindLayout
  ) -> (waiters: [UInt64], head: UInt64?, problems: [String]) {
    var problems: [String] = []
    let forward = follow(start, link: 0, layout: layout, problems: &problems)
    let ring = [(node: start, task: Optional(task))] + forward
    if let head = ring.firstIndex(where: { $0.task == nil }) {
      // After the head come the waiters in queue order; those met before it (from
      // this task on) were queued after the ones that follow it.
      let order = ring[(head + 1)...] + ring[..<head]
      return (order.compactMap(\.task), ring[head].node, problems)
    }
    let backward = follow(start, link: 8, layout: layout, problems: &problems)
    if let head = backward.firstIndex(where: { $0.task == nil }) {
      let order = backward[..<head].reversed() + ring
      return (order.compactMap(\.task), backward[head].node, problems)
    }
    return (ring.compactMap(\.task), nil, problems)
  }

  /// The entries after `start` following `next` (link 0) or `prev` (link 8), up to
  /// `start` again, a second entry that is not a waiter, or a break.
  func follow(
    _ start: UInt64, link: UInt64, layout: LockKindLayout, problems: inout [String]
  ) -> [(node: UInt64, task: UInt64?)] {
    var entries: [(node: UInt64, task: UInt64?)] = []
    var visited: Set<UInt64> = [start]
    var node = start
    var heads = 0
    while true {
      guard let next = try? memory.u64(node &+ link) else {
        problems.append("the wait list breaks at \(hex(node)): the entry is not in the dump")
        break
      }
      if next == start { break }
      guard visited.insert(next).inserted else {
        problems.append("the wait list loops at \(hex(next)) without coming back to the waiter")
        break
      }
      guard entries.count < Self.maximumWaiters else {
        problems.append("the wait list has more than \(Self.maximumWaiters) entries; the walk stops")
        break
      }
      let task = waitingTask(at: next, layout: layout)
      if task == nil {
        heads += 1
        guard heads == 1 else {
          problems.append("the wait list has a second entry that is no waiter at \(hex(next))")
          break
        }
      }
      entries.append((next, task))
      node = next
    }
    return entries
  }
}

extension LockWaitReader {
  /// The reader of a dump's locks: layouts from its BTF, globals named by its kallsyms.
  public init(image: KernelImage, tasks: [KernelTask]) {
    let symbols = image.symbols
    self.init(
      memory: image.memory, layout: LockLayout(image: image), tasks: tasks,
      globalName: { KernelImage.globalName($0, in: symbols) })
  }
}
