/// Who waits for whom: edges from a blocked task to the lock it waits for and from
/// the lock to the task that owns it. A path that comes back to a task it passed is a
/// deadlock: every task on it waits for a lock that the next one holds, so none can
/// go on. Only precise owners make edges: a reader-owned rw_semaphore names its last
/// reader, who may have let it go (LockOwner.precise), so it is no proof of a cycle.
public struct WaitForGraph: Sendable {
  /// The waits, by the waiting task's address.
  public let waits: [UInt64: LockWait]
  /// Each cycle once, starting from its lowest task address, in wait order: the
  /// first wait's lock is owned by the second wait's task, and so on round.
  public let deadlocks: [[LockWait]]

  public init(waits: [LockWait]) {
    var byTask: [UInt64: LockWait] = [:]
    for wait in waits where byTask[wait.task] == nil { byTask[wait.task] = wait }
    self.waits = byTask
    var cycles: [[LockWait]] = []
    var seenCycles = Set<[UInt64]>()
    for start in byTask.keys.sorted() {
      var path: [UInt64] = []
      var position: [UInt64: Int] = [:]
      var current = start
      var closed: Int?
      // Each task waits for one lock: a path is at most as long as there are waits.
      while let wait = byTask[current] {
        if let seen = position[current] {
          closed = seen
          break
        }
        position[current] = path.count
        path.append(current)
        guard let owner = wait.owner, owner.precise, !owner.outsideTaskList, let next = owner.task else {
          break
        }
        current = next
      }
      guard let first = closed else { continue }
      var cycle = Array(path[first...])
      let lowest = cycle.indices.min { cycle[$0] < cycle[$1] } ?? 0
      cycle = Array(cycle[lowest...] + cycle[..<lowest])
      guard seenCycles.insert(cycle).inserted else { continue }
      cycles.append(cycle.compactMap { byTask[$0] })
    }
    deadlocks = cycles
  }
}
