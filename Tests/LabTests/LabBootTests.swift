import Foundation
import TestSupport
import XCTest

@testable import Lab

/// Real kernels in QEMU, real crashes, real kdump captures. Each test ensures the lab is
/// set up (idempotent), runs one scenario, checks the console and the vmcore, and deletes
/// the vmcore. Set CORONER_LAB_TESTS=0 to skip them on a machine without the lab.
final class LabBootTests: XCTestCase {
  /// The 6.1 scenarios covered by a test method below.
  static let covered61 = [
    "panic", "oops", "bug", "warn", "softlockup", "hung-task", "rcu-stall", "panic-notifier", "deadlock",
  ]

  func test61Panic() throws { try boot("panic", on: .v6_1) }
  func test61Oops() throws { try boot("oops", on: .v6_1) }
  func test61Bug() throws { try boot("bug", on: .v6_1) }
  func test61Warn() throws { try boot("warn", on: .v6_1) }
  func test61SoftLockup() throws { try boot("softlockup", on: .v6_1) }
  func test61HungTask() throws { try boot("hung-task", on: .v6_1) }
  func test61RcuStall() throws { try boot("rcu-stall", on: .v6_1) }
  func test61PanicNotifier() throws { try boot("panic-notifier", on: .v6_1) }
  func test61Deadlock() throws { try boot("deadlock", on: .v6_1) }
  func test510Panic() throws { try boot("panic", on: .v5_10) }
  func test612Panic() throws { try boot("panic", on: .v6_12) }
  /// A module on 6.12, built by trixie's gcc 14 unpacked beside the kernel.
  func test612SoftLockup() throws { try boot("softlockup", on: .v6_12) }

  /// Every scenario `lab list` marks runnable on 6.1 has its boot test, and the rest are
  /// refused with a reason.
  func testEveryRunnableScenarioIsCovered() throws {
    let tree = try Self.kernel(.v6_1)
    let accelerator = Self.accelerator
    let runnable = ScenarioCatalogue.all.filter { $0.refusal(kernel: tree, accelerator: accelerator) == nil }
    XCTAssertEqual(Set(runnable.map(\.name)), Set(Self.covered61))
  }

  func testHardLockupIsRefusedUnderTCG() throws {
    let tree = try Self.kernel(.v6_1)
    let request = LabRunRequest(
      scenario: try ScenarioCatalogue.named("hardlockup"), kernel: tree, capture: .kdump,
      out: try temporaryFolder(), accelerator: .tcg)
    XCTAssertThrowsError(try LabRunner().run(request)) { error in
      guard case LabError.notRunnable(_, _, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(reason.contains("PMU"))
    }
  }

  /// A kernel that stops in its own boot (here: no root to mount, since rdinit names no
  /// file, and no panic reboot) is booted a second time, and its second stall is the
  /// run's error: the retry meant for TCG's rare boot stalls hides no real failure.
  func testAKernelStalledBeforeInitIsBootedTwiceThenReported() throws {
    let tree = try Self.kernel(.v6_1)
    var scenario = try ScenarioCatalogue.named("panic")
    scenario.kernelParameters += ["rdinit=/coroner-lab-no-such-init", "panic=0"]
    let out = try temporaryFolder()
    let request = LabRunRequest(
      scenario: scenario, kernel: tree, capture: .qemuKdump, out: out, accelerator: Self.accelerator,
      timeoutScale: 0.1)
    XCTAssertThrowsError(try LabRunner().run(request)) { error in
      guard case LabError.guestTimeout(let stage, _, let tail) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(stage, "boot and detonate")
      XCTAssertTrue(tail.contains("Kernel panic"), tail)
    }
    let first = try String(contentsOf: out.appendingPathComponent(GuestBoot.stalledConsole), encoding: .utf8)
    let second = try String(contentsOf: out.appendingPathComponent("console.log"), encoding: .utf8)
    for boot in [first, second] {
      XCTAssertTrue(boot.contains("Linux version \(tree.release)"), "each boot has its own console")
      XCTAssertFalse(boot.contains(GuestBoot.userSpaceStarted))
    }
  }

  /// Two runs at once keep to their own folders, sockets and disks, and both capture.
  func testParallelRunsDoNotCollide() throws {
    let tree = try Self.kernel(.v6_1)
    let scenario = try ScenarioCatalogue.named("panic")
    let folders = [try temporaryFolder(), try temporaryFolder()]
    let results = ResultBox(count: folders.count)
    DispatchQueue.concurrentPerform(iterations: folders.count) { index in
      let request = LabRunRequest(
        scenario: scenario, kernel: tree, capture: .qemuKdump, out: folders[index],
        accelerator: Self.accelerator, timeoutScale: 3)
      results.set(index, Result { try LabRunner().run(request) })
    }
    for (index, folder) in folders.enumerated() {
      let scene = try XCTUnwrap(results.get(index)).get()
      let vmcore = folder.appendingPathComponent(scene.vmcore)
      defer { try? FileManager.default.removeItem(at: vmcore) }
      let console = try String(contentsOf: folder.appendingPathComponent("console.log"), encoding: .utf8)
      XCTAssertTrue(console.contains(scenario.marker))
      // QEMU's -z output is makedumpfile's flattened stream.
      let handle = try FileHandle(forReadingFrom: vmcore)
      defer { try? handle.close() }
      XCTAssertEqual(try handle.read(upToCount: 12), Data("makedumpfile".utf8))
    }
    XCTAssertNotEqual(
      try XCTUnwrap(results.get(0)).get().qemuCommandLine, try XCTUnwrap(results.get(1)).get().qemuCommandLine
    )
  }

  private func boot(_ name: String, on kernel: DebianKernel) throws {
    let tree = try Self.kernel(kernel)
    let scenario = try ScenarioCatalogue.named(name)
    let out = try temporaryFolder()
    let request = LabRunRequest(
      scenario: scenario, kernel: tree, capture: .kdump, out: out, accelerator: Self.accelerator,
      timeoutScale: 2)
    let scene = try LabRunner().run(request)
    let vmcore = out.appendingPathComponent(scene.vmcore)
    // The scene cache keeps this boot's scene when it has none for its key (the
    // examine and dump tests then need not boot it again); else the vmcore goes.
    defer {
      if (try? LabSceneCache().adopt(folder: out, scene: scene)) != true {
        try? FileManager.default.removeItem(at: vmcore)
      }
    }

    let console = try String(contentsOf: out.appendingPathComponent("console.log"), encoding: .utf8)
    XCTAssertTrue(console.contains(scenario.marker), "console.log shows \(scenario.marker)")
    XCTAssertEqual(scene.kernel.release, tree.release)
    XCTAssertEqual(scene.expectedKind, scenario.kind)
    let saved = try JSONDecoder().decode(
      Scene.self, from: Data(contentsOf: out.appendingPathComponent("scene.json")))
    XCTAssertEqual(saved.scenario, name)
    XCTAssertEqual(saved.capture, .kdump)

    let notes = try VmcoreNotes(path: vmcore.path)
    let info = try XCTUnwrap(notes.vmcoreinfo, "the vmcore has a VMCOREINFO note")
    XCTAssertTrue(info.contains("OSRELEASE=\(tree.release)"), "VMCOREINFO names \(tree.release)")
    XCTAssertTrue(notes.notes.contains { $0.name == "CORE" && $0.type == 1 }, "NT_PRSTATUS notes")

    let dmesg = String(decoding: try ToolRun.output("vmcore-dmesg", [vmcore.path]), as: UTF8.self)
    XCTAssertTrue(dmesg.contains(scenario.marker), "vmcore-dmesg prints \(scenario.marker)")
  }

  // MARK: - Setup, once per test process

  nonisolated(unsafe) private static var setupResult: Result<LabSetupReport, Error>?

  static var accelerator: Accelerator {
    (try? setupResult?.get()).flatMap { Accelerator(rawValue: $0.host.accelerator) } ?? .tcg
  }

  static func kernel(_ kernel: DebianKernel) throws -> KernelTree {
    try LabGate.require()
    if setupResult == nil {
      setupResult = Result { try LabCache().setup() }
    }
    let report = try XCTUnwrap(setupResult).get()
    return try XCTUnwrap(report.kernels.first { $0.kernel == kernel }?.tree)
  }
}

/// Results written from concurrent runs.
private final class ResultBox: @unchecked Sendable {
  private var results: [Result<Scene, Error>?]
  private let lock = NSLock()

  init(count: Int) { results = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ result: Result<Scene, Error>) {
    lock.lock()
    results[index] = result
    lock.unlock()
  }

  func get(_ index: Int) -> Result<Scene, Error>? {
    lock.lock()
    defer { lock.unlock() }
    return results[index]
  }
}
