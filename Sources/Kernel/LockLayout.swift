/// The sleeping locks a task can block in, and where their fields lie in this kernel,
/// taken from its BTF by name. A blocked task queues a waiter, a local variable of the
/// slow path on its own stack, on the lock's `wait_list`:
/// - `struct mutex` (include/linux/mutex.h; mutex_types.h since 6.8) with `struct
///   mutex_waiter` (kernel/locking/mutex.h), queued by `__mutex_lock_common()`;
/// - `struct rw_semaphore` (include/linux/rwsem.h) with `struct rwsem_waiter`
///   (kernel/locking/rwsem.c), queued by `rwsem_down_read_slowpath()` and
///   `rwsem_down_write_slowpath()`;
/// - `struct semaphore` (include/linux/semaphore.h) with `struct semaphore_waiter`
///   (kernel/locking/semaphore.c), queued by `___down_common()`.
/// Each waiter has `struct list_head list` and `struct task_struct *task`.
public enum SleepingLockKind: String, Sendable, Codable, CaseIterable {
  case mutex
  case rwSemaphore = "rw_semaphore"
  case semaphore

  /// The lock's structure and its waiter's, as BTF names them.
  var structures: (lock: String, waiter: String) {
    switch self {
    case .mutex: return ("mutex", "mutex_waiter")
    case .rwSemaphore: return ("rw_semaphore", "rwsem_waiter")
    case .semaphore: return ("semaphore", "semaphore_waiter")
    }
  }

  /// The functions a task blocked in this kind of lock has on its stack (names
  /// without a compiler suffix such as `.constprop.0`): the slow paths that queue
  /// the waiter and sleep, and the entry points that call them.
  static let waitingFunctions: [String: SleepingLockKind] = {
    var table: [String: SleepingLockKind] = [:]
    for name in [
      "__mutex_lock", "__mutex_lock_common", "__mutex_lock_slowpath", "__mutex_lock_killable_slowpath",
      "__mutex_lock_interruptible_slowpath", "mutex_lock", "mutex_lock_killable", "mutex_lock_interruptible",
      "mutex_lock_nested", "mutex_lock_io", "__ww_mutex_lock", "__ww_mutex_lock_slowpath",
      "__ww_mutex_lock_interruptible_slowpath", "ww_mutex_lock", "ww_mutex_lock_interruptible",
    ] {
      table[name] = .mutex
    }
    for name in [
      "rwsem_down_read_slowpath", "rwsem_down_write_slowpath", "down_read", "down_write",
      "down_read_killable",
      "down_read_interruptible", "down_write_killable", "down_read_nested", "down_write_nested",
      "__down_read", "__down_write", "__down_read_common", "__down_write_common", "__down_read_killable",
      "__down_write_killable", "__down_read_interruptible",
    ] {
      table[name] = .rwSemaphore
    }
    for name in [
      "__down", "__down_common", "___down_common", "__down_interruptible", "__down_killable",
      "__down_timeout",
      "down", "down_interruptible", "down_killable", "down_timeout",
    ] {
      table[name] = .semaphore
    }
    return table
  }()

  /// The kind of lock a stack waits in: the first (innermost) frame that names a
  /// sleeping lock's function.
  public static func waitedIn(functions: [String]) -> SleepingLockKind? {
    for function in functions {
      let base = function.split(separator: ".", maxSplits: 1).first.map(String.init) ?? function
      if let kind = waitingFunctions[base] { return kind }
    }
    return nil
  }
}

/// Where one kind of lock keeps its fields, and where its waiter keeps its own.
public struct LockKindLayout: Sendable, Equatable {
  /// The lock's `wait_list` (a `struct list_head`).
  public var waitList: Int
  /// `mutex.owner`, `rw_semaphore.owner`; nil for a semaphore, which has none.
  public var owner: Int?
  /// `rw_semaphore.count` (atomic_long_t) or `semaphore.count` (unsigned int).
  public var count: Int?
  public var countSize: Int
  /// The waiter's `list` and `task`.
  public var waiterList: Int
  public var waiterTask: Int

  public init(waitList: Int, owner: Int?, count: Int?, countSize: Int, waiterList: Int, waiterTask: Int) {
    self.waitList = waitList
    self.owner = owner
    self.count = count
    self.countSize = countSize
    self.waiterList = waiterList
    self.waiterTask = waiterTask
  }
}

/// The layouts of the kinds this kernel's BTF describes; a kind whose structures
/// are missing (a waiter type the compiler left out of BTF) is listed in `missing`.
public struct LockLayout: Sendable, Equatable {
  public var kinds: [SleepingLockKind: LockKindLayout]
  public var missing: [String]

  public init(kinds: [SleepingLockKind: LockKindLayout], missing: [String] = []) {
    self.kinds = kinds
    self.missing = missing
  }

  public init(image: KernelImage) {
    kinds = [:]
    missing = []
    for kind in SleepingLockKind.allCases {
      let (lock, waiter) = kind.structures
      do {
        let countField = try? image.btf.field("\(lock).count")
        kinds[kind] = LockKindLayout(
          waitList: try image.offset("\(lock).wait_list"),
          owner: kind == .semaphore ? nil : try image.offset("\(lock).owner"),
          count: countField.map { Int($0.offset) },
          countSize: try countField.map { Int(try image.btf.size(of: $0.type)) } ?? 0,
          waiterList: try image.offset("\(waiter).list"),
          waiterTask: try image.offset("\(waiter).task"))
      } catch {
        missing.append("\(kind.rawValue): \(error)")
      }
    }
  }
}
