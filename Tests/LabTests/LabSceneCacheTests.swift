import Foundation
import XCTest

@testable import Lab

/// The scene cache's bookkeeping, without booting: which cached scene is reused, and
/// the lock that keeps two makers of one scene apart.
final class LabSceneCacheTests: XCTestCase {
  func sceneJSON(release: String, filter: String?, bytes: Int) -> String {
    """
    {"accelerator":"tcg","capture":"kdump","console":"console.log","createdAt":"2026-11-26T22:40:43Z",
     "expectedKind":"soft-lockup","guiltyFunction":"det_spin_fn",
     "kernel":{"label":"6.1","packageVersion":"6.1.192-2","release":"\(release)"},
     "kernelCommandLine":"console=ttyS0","marker":"BUG: soft lockup","qemuCommandLine":"qemu-system-x86_64",
     "scenario":"softlockup","timings":{"bootSeconds":1,"captureSeconds":1,"detectSeconds":1,"totalSeconds":3},
     "vmcore":"vmcore","vmcoreBytes":\(bytes)\(filter.map { ",\"vmcoreFilter\":\"\($0)\"" } ?? "")}
    """
  }

  func folder(release: String, filter: String?, bytes: Int, written: Int) throws -> URL {
    let folder = try temporaryFolder()
    try sceneJSON(release: release, filter: filter, bytes: bytes).write(
      to: folder.appendingPathComponent("scene.json"), atomically: true, encoding: .utf8)
    try Data(count: written).write(to: folder.appendingPathComponent("vmcore"))
    try Data("[    0.000000] Linux version\n".utf8).write(to: folder.appendingPathComponent("console.log"))
    return folder
  }

  func testAWholeSceneOfTheReleaseIsReusedForEitherRequest() throws {
    let whole = try folder(release: "6.1.0-56-amd64", filter: nil, bytes: 100, written: 100)
    XCTAssertNotNil(LabSceneCache.usable(folder: whole, release: "6.1.0-56-amd64", dump: .whole))
    XCTAssertNotNil(LabSceneCache.usable(folder: whole, release: "6.1.0-56-amd64", dump: .filtered))
  }

  func testAFilteredSceneServesOnlyFilteredRequests() throws {
    let filtered = try folder(
      release: "6.1.0-56-amd64", filter: "makedumpfile -E -d 31", bytes: 10, written: 10)
    XCTAssertNotNil(LabSceneCache.usable(folder: filtered, release: "6.1.0-56-amd64", dump: .filtered))
    XCTAssertNil(LabSceneCache.usable(folder: filtered, release: "6.1.0-56-amd64", dump: .whole))
  }

  func testAnotherReleaseOrACutVmcoreIsStale() throws {
    let old = try folder(release: "6.1.0-28-amd64", filter: nil, bytes: 100, written: 100)
    XCTAssertNil(LabSceneCache.usable(folder: old, release: "6.1.0-56-amd64", dump: .filtered))
    let cut = try folder(release: "6.1.0-56-amd64", filter: nil, bytes: 100, written: 60)
    XCTAssertNil(LabSceneCache.usable(folder: cut, release: "6.1.0-56-amd64", dump: .filtered))
  }

  func testPanicScenesAreKeptWholeTheRestFiltered() {
    XCTAssertEqual(LabSceneCache.defaultDump(scenario: "panic"), .whole)
    XCTAssertEqual(LabSceneCache.defaultDump(scenario: "oops"), .filtered)
    XCTAssertEqual(
      LabSceneCache.key(scenario: "oops", kernel: .v6_12, capture: .qemuKdump), "6.12-oops-qemu-kdump")
  }

  /// Threads that each take the lock file and count who is inside never see two.
  func testTheLockFileAdmitsOneHolderAtATime() throws {
    let path = try temporaryFolder().appendingPathComponent("key.lock").path
    let inside = Counter()
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      guard let lock = try? FileLock(path: path) else { return inside.fail() }
      inside.enter()
      usleep(2000)
      inside.leave()
      lock.unlock()
    }
    XCTAssertEqual(inside.maximum, 1)
    XCTAssertEqual(inside.entries, 8)
    XCTAssertFalse(inside.failed)
  }
}

private final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var current = 0
  private(set) var maximum = 0
  private(set) var entries = 0
  private(set) var failed = false

  func enter() {
    lock.lock()
    current += 1
    entries += 1
    maximum = max(maximum, current)
    lock.unlock()
  }

  func leave() {
    lock.lock()
    current -= 1
    lock.unlock()
  }

  func fail() {
    lock.lock()
    failed = true
    lock.unlock()
  }
}
