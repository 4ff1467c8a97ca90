import Dump
import XCTest

@testable import Kernel

/// Lock waits found in synthetic kernel memory: pages of words at chosen addresses,
/// a page left out where the dump would have filtered it.
final class LockWaitTests: XCTestCase {
  /// Kernel memory made of 4 KiB pages; a read touching a missing page throws.
  struct PageMemory: KernelMemoryReader {
    var pages: [UInt64: [UInt8]] = [:]

    struct Missing: Error {}

    mutating func put(_ address: UInt64, _ value: UInt64) {
      for index in 0..<8 {
        let byte = address + UInt64(index)
        pages[byte & ~0xFFF, default: [UInt8](repeating: 0, count: 4096)][Int(byte & 0xFFF)] =
          UInt8(truncatingIfNeeded: value >> (8 * index))
      }
    }

    func read(_ virtual: UInt64, count: Int) throws -> [UInt8] {
      try (0..<count).map { index in
        let byte = virtual &+ UInt64(index)
        guard let page = pages[byte & ~0xFFF] else { throw Missing() }
        return page[Int(byte & 0xFFF)]
      }
    }
  }

  /// mutex: owner at 0, wait_list at 24; mutex_waiter: list at 0, task at 16.
  static let mutexLayout = LockKindLayout(
    waitList: 24, owner: 0, count: nil, countSize: 0, waiterList: 0, waiterTask: 16)
  static let layout = LockLayout(kinds: [.mutex: mutexLayout])
  static let stackA: UInt64 = 0xFFFF_C900_0000_0000
  static let stackB: UInt64 = 0xFFFF_C900_0000_4000
  static let stackC: UInt64 = 0xFFFF_C900_0000_8000
  static let lock1: UInt64 = 0xFFFF_FFFF_C000_1000
  static let lock2: UInt64 = 0xFFFF_FFFF_C000_1040
  static let mutexFrames = [
    "__schedule", "schedule", "schedule_preempt_disabled", "__mutex_lock.constprop.0", "f",
  ]

  static func task(_ address: UInt64, pid: Int32, stack: UInt64) -> KernelTask {
    KernelTask(
      address: address, pid: pid, tgid: pid, comm: "t\(pid)", state: "D", rawState: 2, exitState: 0, flags: 0,
      cpu: 0, runningOn: nil, stack: stack, savedSp: stack + 0x3E00)
  }

  let a = task(0xFFFF_8880_0000_1000, pid: 10, stack: stackA)
  let b = task(0xFFFF_8880_0000_2000, pid: 11, stack: stackB)
  let c = task(0xFFFF_8880_0000_3000, pid: 12, stack: stackC)

  /// Queues `task`'s waiter (at stack + 0x3f00) alone on `lock`'s wait list.
  func queue(_ task: KernelTask, on lock: UInt64, in memory: inout PageMemory) {
    let waiter = task.stack + 0x3F00
    let head = lock + 24
    memory.put(waiter, head)
    memory.put(waiter + 8, head)
    memory.put(waiter + 16, task.address)
    memory.put(head, waiter)
    memory.put(head + 8, waiter)
  }

  func reader(_ memory: PageMemory, tasks: [KernelTask]) -> LockWaitReader {
    LockWaitReader(
      memory: memory, layout: Self.layout, tasks: tasks,
      globalName: { [lock1 = Self.lock1, lock2 = Self.lock2] address in
        address == lock1 ? "lock_one" : address == lock2 ? "lock_two" : nil
      })
  }

  func testAnABBADeadlockIsOneCycle() throws {
    var memory = PageMemory()
    queue(a, on: Self.lock2, in: &memory)
    queue(b, on: Self.lock1, in: &memory)
    memory.put(Self.lock1, a.address | 1)
    memory.put(Self.lock2, b.address | 1)
    let reader = reader(memory, tasks: [a, b])
    let waitA = try XCTUnwrap(reader.wait(of: a, functions: Self.mutexFrames))
    XCTAssertEqual(waitA.kind, .mutex)
    XCTAssertEqual(waitA.lock, Self.lock2)
    XCTAssertEqual(waitA.name, "lock_two")
    XCTAssertEqual(waitA.owner?.task, b.address)
    XCTAssertEqual(waitA.owner?.flags, ["MUTEX_FLAG_WAITERS"])
    XCTAssertEqual(waitA.waiters, [a.address])
    XCTAssertEqual(waitA.problems, [])
    let waitB = try XCTUnwrap(reader.wait(of: b, functions: Self.mutexFrames))
    XCTAssertEqual(waitB.lock, Self.lock1)
    let graph = WaitForGraph(waits: [waitB, waitA])
    XCTAssertEqual(graph.deadlocks.map { $0.map(\.task) }, [[a.address, b.address]])
    // No lock frame, no wait.
    XCTAssertNil(reader.wait(of: a, functions: ["__schedule", "schedule", "do_nanosleep"]))
  }

  func testWaitersAreListedInQueueOrder() throws {
    var memory = PageMemory()
    // head -> a -> c -> head: a queued first, c second.
    let head = Self.lock1 + 24
    let waiterA = a.stack + 0x3F00
    let waiterC = c.stack + 0x3F00
    for (node, next, prev) in [(head, waiterA, waiterC), (waiterA, waiterC, head), (waiterC, head, waiterA)] {
      memory.put(node, next)
      memory.put(node + 8, prev)
    }
    memory.put(waiterA + 16, a.address)
    memory.put(waiterC + 16, c.address)
    memory.put(Self.lock1, b.address)
    let reader = reader(memory, tasks: [a, b, c])
    XCTAssertEqual(reader.wait(of: c, functions: Self.mutexFrames)?.waiters, [a.address, c.address])
    XCTAssertEqual(reader.wait(of: a, functions: Self.mutexFrames)?.waiters, [a.address, c.address])
    XCTAssertEqual(reader.wait(of: c, functions: Self.mutexFrames)?.lock, Self.lock1)
  }

  func testALoopingWaitListEndsWithAProblem() throws {
    var memory = PageMemory()
    // a's next is c, whose next is itself: forward loops; backward reaches the head.
    let head = Self.lock1 + 24
    let waiterA = a.stack + 0x3F00
    let waiterC = c.stack + 0x3F00
    memory.put(waiterA, waiterC)
    memory.put(waiterA + 8, head)
    memory.put(waiterA + 16, a.address)
    memory.put(waiterC, waiterC)
    memory.put(waiterC + 8, waiterA)
    memory.put(waiterC + 16, c.address)
    memory.put(head, waiterA)
    memory.put(head + 8, waiterA)
    let wait = try XCTUnwrap(reader(memory, tasks: [a, c]).wait(of: a, functions: Self.mutexFrames))
    XCTAssertEqual(wait.lock, Self.lock1)
    XCTAssertTrue(wait.problems.contains { $0.contains("loops") }, "\(wait.problems)")
    // A ring of waiters only, no head either way: no lock, and the walk ends.
    var ring = PageMemory()
    ring.put(waiterA, waiterC)
    ring.put(waiterA + 8, waiterC)
    ring.put(waiterA + 16, a.address)
    ring.put(waiterC, waiterA)
    ring.put(waiterC + 8, waiterA)
    ring.put(waiterC + 16, c.address)
    let headless = try XCTUnwrap(reader(ring, tasks: [a, c]).wait(of: a, functions: Self.mutexFrames))
    XCTAssertNil(headless.lock)
    XCTAssertFalse(headless.problems.isEmpty)
  }

  func testAnOwnerOutsideTheTaskListIsMarkedAndNotFollowed() throws {
    var memory = PageMemory()
    queue(a, on: Self.lock1, in: &memory)
    memory.put(Self.lock1, 0xDEAD_0000_0000_0000)
    let wait = try XCTUnwrap(reader(memory, tasks: [a]).wait(of: a, functions: Self.mutexFrames))
    XCTAssertEqual(wait.owner?.task, 0xDEAD_0000_0000_0000)
    XCTAssertEqual(wait.owner?.outsideTaskList, true)
    XCTAssertEqual(WaitForGraph(waits: [wait]).deadlocks.count, 0)
    // A task that owns the lock it waits for (mutex_lock twice) is a cycle of one.
    var twice = memory
    twice.put(Self.lock1, a.address)
    let own = try XCTUnwrap(reader(twice, tasks: [a]).wait(of: a, functions: Self.mutexFrames))
    XCTAssertEqual(WaitForGraph(waits: [own]).deadlocks.map { $0.map(\.task) }, [[a.address]])
  }

  func testALockInAFilteredPageIsFoundButNotRead() throws {
    var memory = PageMemory()
    queue(a, on: Self.lock1, in: &memory)
    memory.pages[Self.lock1 & ~0xFFF] = nil
    let wait = try XCTUnwrap(reader(memory, tasks: [a]).wait(of: a, functions: Self.mutexFrames))
    XCTAssertEqual(wait.lock, Self.lock1)
    XCTAssertNil(wait.owner)
    XCTAssertTrue(wait.problems.contains { $0.contains("cannot be read") }, "\(wait.problems)")
    // The stack itself filtered out: no waiter, said so.
    var noStack = PageMemory()
    queue(a, on: Self.lock1, in: &noStack)
    noStack.pages = noStack.pages.filter { $0.key < Self.stackA || $0.key >= Self.stackA + 0x4000 }
    let lost = try XCTUnwrap(reader(noStack, tasks: [a]).wait(of: a, functions: Self.mutexFrames))
    XCTAssertNil(lost.lock)
    XCTAssertTrue(lost.problems.contains { $0.contains("not in the dump") }, "\(lost.problems)")
  }

  func testOwnerWordsAcrossKinds() {
    let mutex = LockOwner.mutex(owner: 0xFFFF_8880_0000_1006)
    XCTAssertEqual(mutex.task, 0xFFFF_8880_0000_1000)
    XCTAssertEqual(mutex.flags, ["MUTEX_FLAG_HANDOFF", "MUTEX_FLAG_PICKUP"])
    XCTAssertNil(LockOwner.mutex(owner: 0).task)
    // A writer: precise. Readers: the last reader only, and their count.
    let writer = LockOwner.rwSemaphore(owner: 0xFFFF_8880_0000_1000, count: 0x3)
    XCTAssertTrue(writer.precise)
    XCTAssertEqual(writer.flags, ["RWSEM_WRITER_LOCKED", "RWSEM_FLAG_WAITERS"])
    let readers = LockOwner.rwSemaphore(owner: 0xFFFF_8880_0000_1001, count: 0x202)
    XCTAssertFalse(readers.precise)
    XCTAssertEqual(readers.count, 2)
    XCTAssertEqual(readers.task, 0xFFFF_8880_0000_1000)
    let semaphore = LockOwner.semaphore(count: 0)
    XCTAssertNil(semaphore.task)
    XCTAssertEqual(semaphore.count, 0)
    // A reader-owned lock makes no edge of the wait-for graph.
    let a = LockWait(
      task: 1, kind: .rwSemaphore, lock: 10, owner: LockOwner.rwSemaphore(owner: 2 << 8 | 1, count: 0x100))
    let b = LockWait(task: 2 << 8, kind: .mutex, lock: 11, owner: LockOwner.mutex(owner: 1))
    XCTAssertEqual(WaitForGraph(waits: [a, b]).deadlocks.count, 0)
  }

  func testTheSlowPathNamesTheKind() {
    XCTAssertEqual(SleepingLockKind.waitedIn(functions: Self.mutexFrames), .mutex)
    XCTAssertEqual(
      SleepingLockKind.waitedIn(functions: [
        "__schedule", "schedule", "rwsem_down_write_slowpath", "down_write",
      ]),
      .rwSemaphore)
    XCTAssertEqual(
      SleepingLockKind.waitedIn(functions: [
        "__schedule", "schedule", "schedule_timeout", "__down_common", "down",
      ]),
      .semaphore)
    XCTAssertNil(
      SleepingLockKind.waitedIn(functions: ["__schedule", "percpu_down_write", "rcuwait_wait_event"]))
  }
}
