/// Who holds a sleeping lock, as its owner word (and count) say.
///
/// - `mutex.owner` (kernel/locking/mutex.c since 4.10): the owning task's address with
///   three flag bits below it, MUTEX_FLAG_WAITERS 0x01, MUTEX_FLAG_HANDOFF 0x02,
///   MUTEX_FLAG_PICKUP 0x04 (MUTEX_FLAGS 0x07); 0 when free.
/// - `rw_semaphore.owner` (kernel/locking/rwsem.c since 5.3): a writer's task with the
///   low bits clear; or, with RWSEM_READER_OWNED (bit 0), the last reader to take it,
///   who may have released it since: readers are not recorded one by one. Bit 1 is
///   RWSEM_NONSPINNABLE (5.13+) or RWSEM_RD_NONSPINNABLE, bit 2 RWSEM_WR_NONSPINNABLE
///   (5.3-5.12). `count` holds RWSEM_WRITER_LOCKED (bit 0), RWSEM_FLAG_WAITERS (1),
///   RWSEM_FLAG_HANDOFF (2) and the readers from bit 8 (RWSEM_READER_SHIFT) up to
///   RWSEM_FLAG_READFAIL (bit 63).
/// - `struct semaphore` has no owner (any task may up() it): only its count.
public struct LockOwner: Sendable, Equatable {
  /// The owning task's `task_struct` address, nil when nobody owns it (or none is
  /// recorded).
  public var task: UInt64?
  /// The owner word as read, flags included (0 for a semaphore).
  public var word: UInt64
  /// The flag bits set in the owner word and count, by their kernel names.
  public var flags: [String]
  /// False when `task` is only the last reader of a reader-owned rw_semaphore.
  public var precise: Bool
  /// An rw_semaphore's active readers (count >> 8), a semaphore's count.
  public var count: Int64?
  /// The owner word names no task of the task list (a freed task, or a damaged
  /// word): the owner is shown but not followed.
  public var outsideTaskList = false

  public init(task: UInt64?, word: UInt64, flags: [String], precise: Bool, count: Int64? = nil) {
    self.task = task
    self.word = word
    self.flags = flags
    self.precise = precise
    self.count = count
  }

  static let ownerFlagBits: UInt64 = 0x07

  public static func mutex(owner word: UInt64) -> LockOwner {
    let names: [(UInt64, String)] = [
      (0x1, "MUTEX_FLAG_WAITERS"), (0x2, "MUTEX_FLAG_HANDOFF"), (0x4, "MUTEX_FLAG_PICKUP"),
    ]
    let task = word & ~ownerFlagBits
    return LockOwner(
      task: task == 0 ? nil : task, word: word, flags: names.filter { word & $0.0 != 0 }.map(\.1),
      precise: true)
  }

  public static func rwSemaphore(owner word: UInt64, count: UInt64?) -> LockOwner {
    var flags: [String] = []
    let ownerNames: [(UInt64, String)] = [
      (0x1, "RWSEM_READER_OWNED"), (0x2, "RWSEM_NONSPINNABLE"), (0x4, "RWSEM_WR_NONSPINNABLE"),
    ]
    flags += ownerNames.filter { word & $0.0 != 0 }.map(\.1)
    var readers: Int64?
    var writerLocked = false
    if let count {
      let countNames: [(UInt64, String)] = [
        (0x1, "RWSEM_WRITER_LOCKED"), (0x2, "RWSEM_FLAG_WAITERS"), (0x4, "RWSEM_FLAG_HANDOFF"),
        (1 << 63, "RWSEM_FLAG_READFAIL"),
      ]
      flags += countNames.filter { count & $0.0 != 0 }.map(\.1)
      writerLocked = count & 0x1 != 0
      readers = Int64((count & ~(1 << 63)) >> 8)
    }
    let task = word & ~ownerFlagBits
    let readerOwned = word & 0x1 != 0 && !writerLocked
    // A reader-owned lock names only its last reader, which may have let it go.
    return LockOwner(
      task: task == 0 ? nil : task, word: word, flags: flags, precise: !readerOwned, count: readers)
  }

  public static func semaphore(count: UInt64?) -> LockOwner {
    LockOwner(
      task: nil, word: 0, flags: [], precise: true, count: count.map { Int64(UInt32(truncatingIfNeeded: $0)) }
    )
  }
}
