import Examine
import Foundation
import Lab
import TestSupport
import XCTest

/// The lab's deadlock scene (det_deadlock: two kernel threads take det_lock_a and
/// det_lock_b in opposite order; hung_task_panic) on 5.10, 6.1 and 6.12: examine
/// names both threads, the mutex each waits for, the other as its owner, and the
/// cycle, from the dump's memory alone (BTF, ORC, kallsyms).
final class DeadlockLabSceneTests: XCTestCase {
  static let kernels: [DebianKernel] = [.v5_10, .v6_1, .v6_12]

  func testKdumpCapturesNameTheCycle() throws {
    for kernel in Self.kernels {
      let scene = try LabScenes.scene("deadlock", on: kernel)
      try assertNamesTheCycle(scene.vmcore.path, label: "\(kernel.rawValue) kdump")
    }
  }

  /// `coroner capture`'s dump: kdump-compressed, filtered at -d 31.
  func testCoronerCaptureDumpsNameTheCycle() throws {
    for kernel in Self.kernels {
      let scene = try LabScenes.scene("deadlock", on: kernel, capture: .kdumpCoroner)
      try assertNamesTheCycle(scene.vmcore.path, label: "\(kernel.rawValue) kdump-coroner")
    }
  }

  func assertNamesTheCycle(_ path: String, label: String, line: UInt = #line) throws {
    let cause = try Examiner().examine(path: path)
    let killer = try XCTUnwrap(cause.killer, label, line: line)
    XCTAssertEqual(killer.guiltyFrame, "det_deadlock_fn", label, line: line)
    let tasks = try XCTUnwrap(cause.tasks, "\(label): no tasks in \(cause.problems)", line: line)
    XCTAssertEqual(tasks.deadlocks.count, 1, "\(label): \(tasks.deadlocks)", line: line)
    let deadlock = try XCTUnwrap(tasks.deadlocks.first, label, line: line)
    XCTAssertEqual(
      Set(deadlock.links.map(\.comm)), ["det_deadlock_ab", "det_deadlock_ba"], label, line: line)
    XCTAssertEqual(
      Set(deadlock.links.map { $0.lock.split(separator: " ").dropFirst().first.map(String.init) ?? "" }),
      ["det_lock_a", "det_lock_b"], "\(label): \(deadlock.description)", line: line)
    // Each thread waits for the mutex its first lock's partner holds.
    let expected = [
      ("det_deadlock_ab", "det_lock_b", "det_deadlock_ba"),
      ("det_deadlock_ba", "det_lock_a", "det_deadlock_ab"),
    ]
    for (comm, mutex, holder) in expected {
      let trace = try XCTUnwrap(
        tasks.blocked.first { $0.comm == comm }, "\(label): \(comm) blocked", line: line)
      XCTAssertEqual(trace.state, "D", label, line: line)
      XCTAssertTrue(
        trace.frames.contains { $0.function == "det_deadlock_fn" }, "\(label) \(comm)", line: line)
      let lock = try XCTUnwrap(trace.waitsFor, "\(label): \(comm) waits for a lock", line: line)
      XCTAssertEqual(lock.kind, "mutex", label, line: line)
      XCTAssertEqual(lock.name, "\(mutex) [det_deadlock]", label, line: line)
      XCTAssertEqual(lock.problems, [], "\(label) \(comm)", line: line)
      XCTAssertEqual(lock.waiters, [trace.pid], "\(label) \(comm)", line: line)
      let owner = try XCTUnwrap(lock.owner, label, line: line)
      XCTAssertEqual(owner.comm, holder, "\(label) \(comm)", line: line)
      XCTAssertTrue(owner.precise, label, line: line)
      XCTAssertTrue(owner.flags.contains("MUTEX_FLAG_WAITERS"), "\(label): \(owner.flags)", line: line)
    }
    // The JSON carries the same.
    let json = String(decoding: try JSONEncoder().encode(cause), as: UTF8.self)
    XCTAssertTrue(json.contains("\"deadlocks\""), label, line: line)
    XCTAssertTrue(json.contains("det_lock_a"), label, line: line)
  }
}
