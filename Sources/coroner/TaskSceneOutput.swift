import Examine

/// examine's text for the tasks read from a dump's memory: deadlocks first, then the
/// panicking task, the blocked tasks with the lock each waits for and its owner, the
/// owners not blocked themselves, and what each CPU was running.
enum TaskSceneSummary {
  static let frameLimit = 16

  static func lines(_ scene: TaskScene) -> [String] {
    var lines: [String] = ["  tasks (from the dump's memory):"]
    for deadlock in scene.deadlocks {
      lines.append("    DEADLOCK: \(deadlock.description)")
    }
    if let panicTask = scene.panicTask {
      lines.append("    panicking: \(heading(panicTask))")
      lines += frames(panicTask)
    }
    if !scene.blocked.isEmpty {
      lines.append("    blocked (D state):")
      for trace in scene.blocked { lines += task(trace) }
    }
    if !scene.owners.isEmpty {
      lines.append("    lock owners:")
      for trace in scene.owners { lines += task(trace) }
    }
    if !scene.running.isEmpty {
      lines.append("    running (each CPU's task):")
      for trace in scene.running { lines += task(trace) }
    }
    return lines
  }

  static func heading(_ trace: TaskTrace) -> String {
    var text = "\(trace.label) \(trace.state)"
    if let cpu = trace.cpu { text += " on CPU \(cpu)" }
    return text
  }

  static func task(_ trace: TaskTrace) -> [String] {
    var lines = ["      \(heading(trace))"]
    if let lock = trace.waitsFor {
      lines.append("        waits for \(lock.label)")
      if let owner = lock.owner {
        var text = "        owner: "
        if let comm = owner.comm, let pid = owner.pid {
          text += "\(comm) (pid \(pid))"
        } else {
          text += owner.task ?? "none"
        }
        text += " (owner word \(owner.word)"
        if !owner.flags.isEmpty { text += ": " + owner.flags.joined(separator: ", ") }
        text += ")"
        if !owner.precise { text += "; reader-owned: the last reader, who may have released it" }
        if let count = owner.count { text += "; count \(count)" }
        if let problem = owner.problem { text += "; \(problem)" }
        lines.append(text)
      }
      if !lock.waiters.isEmpty {
        lines.append("        queue: " + lock.waiters.map { "pid \($0)" }.joined(separator: ", "))
      }
      lines += lock.problems.map { "        (\($0))" }
    }
    lines += frames(trace).map { "  " + $0 }
    return lines
  }

  static func frames(_ trace: TaskTrace) -> [String] {
    var lines = trace.frames.prefix(frameLimit).map { "        " + $0.description }
    if trace.frames.count > frameLimit { lines.append("        ... \(trace.frames.count - frameLimit) more") }
    if let error = trace.error { lines.append("        (unwind stopped: \(error))") }
    return lines
  }
}
