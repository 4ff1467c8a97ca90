import Dump
import Kernel
import KernelLog
import Symbols

/// The tasks' part of the cause of death, read from the dump's memory with the
/// kernel's own BTF, ORC and kallsyms (Sources/Kernel): the panicking CPU's task
/// unwound from its saved registers; for a hang, the blocked and running tasks, the
/// locks the blocked ones wait for, their owners, and the deadlocks among them.
extension DumpEvidence {
  func taskScene(for report: CrashReport, problems: inout [EvidenceProblem]) -> TaskScene? {
    guard let symbols else { return nil }
    let image: KernelImage
    let list: TaskList
    let backtracer: TaskBacktracer
    do {
      image = try KernelImage(vmcore: vmcore, symbols: symbols, modules: modules, problems: [])
      list = try TaskList(image: image)
      backtracer = try TaskBacktracer(image: image, tasks: list)
    } catch {
      problems.append(EvidenceProblem(.tasks, "the task list cannot be read: \(error)"))
      return nil
    }
    problems += (list.problems + backtracer.problems).map { EvidenceProblem(.tasks, $0) }
    var builder = TaskSceneBuilder(list: list, backtracer: backtracer)
    var scene = TaskScene()
    let panicCpu = self.scene.cpu
    if let cpu = panicCpu, let task = list.tasks.first(where: { $0.runningOn == cpu }) {
      scene.panicTask = builder.trace(task)
    }
    guard report.type == .hang else { return scene }
    let locks = LockWaitReader(image: image, tasks: list.tasks)
    problems += locks.layout.missing.map { EvidenceProblem(.tasks, "locks not followed: \($0)") }
    builder.locks = locks
    let ordered = list.tasks.sorted { ($0.pid, $0.address) < ($1.pid, $1.address) }
    scene.blocked = ordered.filter { $0.state == "D" && $0.runningOn == nil }.map { builder.trace($0) }
    scene.running = list.runQueues.sorted { $0.cpu < $1.cpu }.compactMap { queue in
      guard queue.cpu != panicCpu, let task = builder.tasks[queue.current] else { return nil }
      return builder.trace(task)
    }
    // Owners not listed yet, and the owners of the locks those wait for, in turn.
    var listed = Set((scene.blocked + scene.running).map(\.task))
    if let panicTask = scene.panicTask { listed.insert(panicTask.task) }
    var index = 0
    var pending = builder.waits.values.compactMap(\.owner?.task)
    while index < pending.count {
      let address = pending[index]
      index += 1
      guard let task = builder.tasks[address], listed.insert(hex(address)).inserted else { continue }
      let trace = builder.trace(task)
      scene.owners.append(trace)
      if let next = builder.waits[address]?.owner?.task { pending.append(next) }
    }
    let graph = WaitForGraph(waits: Array(builder.waits.values))
    scene.deadlocks = graph.deadlocks.map { cycle in
      Deadlock(
        links: cycle.map { wait in
          let task = builder.tasks[wait.task]
          return Deadlock.Link(
            pid: task?.pid ?? -1, comm: task?.comm ?? hex(wait.task), lock: builder.report(wait).label)
        })
    }
    return scene
  }
}

/// Traces and lock reports of tasks, each task unwound and each lock read once.
struct TaskSceneBuilder {
  let backtracer: TaskBacktracer
  let tasks: [UInt64: KernelTask]
  var locks: LockWaitReader?
  var waits: [UInt64: LockWait] = [:]

  init(list: TaskList, backtracer: TaskBacktracer) {
    self.backtracer = backtracer
    tasks = Dictionary(list.tasks.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
  }

  mutating func trace(_ task: KernelTask) -> TaskTrace {
    let stack = backtracer.backtrace(task)
    var error: String?
    if case .stopped(let why) = stack.ending { error = why }
    var trace = TaskTrace(
      pid: task.pid, comm: task.comm, state: String(task.state), cpu: task.cpu, task: hex(task.address),
      frames: stack.frames.map {
        TaskFrame(
          pc: hex($0.frame.pc), function: $0.function, offset: $0.offset, module: $0.module,
          reliable: $0.frame.reliable)
      }, error: error)
    if let locks, task.runningOn == nil,
      let wait = locks.wait(of: task, functions: stack.frames.map { $0.function ?? "" })
    {
      waits[task.address] = wait
      trace.waitsFor = report(wait)
    }
    return trace
  }

  func report(_ wait: LockWait) -> LockReport {
    var holder: LockHolder?
    if let owner = wait.owner {
      let task = owner.task.flatMap { tasks[$0] }
      holder = LockHolder(
        task: owner.task.map(hex), pid: task?.pid, comm: task?.comm, word: hex(owner.word),
        flags: owner.flags,
        precise: owner.precise, count: owner.count,
        problem: owner.outsideTaskList
          ? "the owner word names no task of the task list (a freed task or a damaged word)" : nil)
    }
    return LockReport(
      kind: wait.kind.rawValue, lock: wait.lock.map(hex), name: wait.name, owner: holder,
      waiters: wait.waiters.map { tasks[$0]?.pid ?? -1 }, problems: wait.problems)
  }
}
