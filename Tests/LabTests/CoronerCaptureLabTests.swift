import Dump
import Examine
import Foundation
import KernelLog
import TestSupport
import XCTest

@testable import Lab

/// Issue 7 in the real flow: the capture kernel runs `coroner capture` on /proc/vmcore
/// (method kdump-coroner) and the host gets back the log, crash.json and a filtered, zlib
/// kdump-compressed dump that makedumpfile and coroner's own reader both read.
/// Skipped with CORONER_LAB_TESTS=0.
final class CoronerCaptureLabTests: XCTestCase {
  func test61Panic() throws { try capture("panic", on: .v6_1) }
  func test61Oops() throws { try capture("oops", on: .v6_1) }
  func test61Bug() throws { try capture("bug", on: .v6_1) }
  func test61Warn() throws { try capture("warn", on: .v6_1) }
  func test61SoftLockup() throws { try capture("softlockup", on: .v6_1) }
  func test61HungTask() throws { try capture("hung-task", on: .v6_1) }
  func test61RcuStall() throws { try capture("rcu-stall", on: .v6_1) }
  func test61PanicNotifier() throws { try capture("panic-notifier", on: .v6_1) }
  func test510Panic() throws { try capture("panic", on: .v5_10) }
  func test612Panic() throws { try capture("panic", on: .v6_12) }
  /// zstd pages, whose library the capture kernel's coroner opens at run time.
  func test61PanicZstd() throws { try capture("panic", on: .v6_1, codec: "zstd") }

  private func capture(_ name: String, on kernel: DebianKernel, codec: String = "zlib") throws {
    let tree = try LabBootTests.kernel(kernel)
    let coroner = try CoronerLabTests.guestCoroner(product: .capture)
    let scenario = try ScenarioCatalogue.named(name)
    let out = try temporaryFolder()
    var request = LabRunRequest(
      scenario: scenario, kernel: tree, capture: .kdumpCoroner, out: out,
      accelerator: LabBootTests.accelerator,
      timeoutScale: 2)
    request.captureCoroner = coroner
    request.captureCodec = codec
    let scene = try LabRunner().run(request)
    let folder = out.appendingPathComponent(LabRunner.captureFolder)
    defer { try? FileManager.default.removeItem(at: folder) }
    let console = try String(contentsOf: out.appendingPathComponent("console.log"), encoding: .utf8)
    XCTAssertTrue(console.contains(scenario.marker), "console.log shows \(scenario.marker)")
    XCTAssertTrue(console.contains("coroner-lab: capture kernel up"), "the capture kernel booted")
    let report = try XCTUnwrap(GuestReport.find("capture", in: console), "coroner capture ran")
    XCTAssertEqual(report.exitStatus, 0, report.text)
    XCTAssertEqual(scene.capture, .kdumpCoroner)
    XCTAssertEqual(scene.vmcore, "capture/dump.kdump")

    // The dump is kdump-compressed, and smaller than the /proc/vmcore it came from.
    let dump = out.appendingPathComponent(scene.vmcore)
    let handle = try FileHandle(forReadingFrom: dump)
    let signature = try handle.read(upToCount: 8)
    try handle.close()
    XCTAssertEqual(signature, Data("KDUMP   ".utf8))
    let raw = try XCTUnwrap(scene.rawVmcoreBytes, "the capture kernel reported /proc/vmcore's size")
    XCTAssertLessThan(scene.vmcoreBytes, raw)

    // makedumpfile reads the log out of a zlib dump (Debian's is built without zstd).
    if codec == "zlib" {
      let dmesgFile = folder.appendingPathComponent("makedumpfile-dmesg.txt")
      try ToolRun.output("makedumpfile", ["--dump-dmesg", dump.path, dmesgFile.path])
      let makedumpfileLog = try String(contentsOf: dmesgFile, encoding: .utf8)
      XCTAssertTrue(
        makedumpfileLog.contains(scenario.marker), "makedumpfile --dump-dmesg shows \(scenario.marker)")
    }

    // The log coroner saved before the dump, and the crash scene.
    let savedLog = try String(contentsOf: folder.appendingPathComponent("dmesg.txt"), encoding: .utf8)
    XCTAssertTrue(savedLog.contains(scenario.marker), "dmesg.txt shows \(scenario.marker)")
    let crash = try JSONSerialization.jsonObject(
      with: Data(contentsOf: folder.appendingPathComponent("crash.json")))
    XCTAssertNotNil(crash as? [String: Any], "crash.json is a JSON object")
    // /proc/vmcore was read through mapped windows alone (read(2) maps one page at a
    // time): cut at its segments, no window is refused, where the window that held the
    // first 640 KiB's segment was in the 6.1 and 6.12 capture kernels (MappedWindow). The
    // codec asked for, and nothing to report.
    let dumpEntry = try XCTUnwrap((crash as? [String: Any])?["dump"] as? [String: Any])
    XCTAssertEqual(dumpEntry["source_read"] as? String, "mmap")
    XCTAssertEqual(dumpEntry["compression"] as? String, codec)
    XCTAssertEqual((crash as? [String: Any])?["problems"] as? [String], [])

    // coroner's own reader and the report parser name the crash from the dump.
    let vmcore = try Vmcore.open(path: dump.path)
    XCTAssertEqual(vmcore.vmcoreInfo?.osRelease, tree.release)
    let cause = try Examiner().examine(path: dump.path)
    XCTAssertEqual(cause.kind, .vmcore)
    XCTAssertFalse(cause.problems.contains(where: \.damagesLog), "\(cause.problems)")
    let killer = try XCTUnwrap(cause.killer, "examine finds a crash in the dump's log")
    // The guest's console printed the crash before the capture kernel ran: the task
    // the dump names is the one on the console's `CPU: N PID: P Comm: C` line, or for
    // a hung task the blocked one that khungtaskd names (kernel/hung_task.c:
    // "INFO: task %s:%d blocked for more than %ld seconds.").
    if let task = killer.task, let comm = task.comm, let pid = task.pid {
      let named =
        console.contains("PID: \(pid) Comm: \(comm)") || console.contains("task \(comm):\(pid) blocked")
      XCTAssertTrue(named, "\(comm) (\(pid)) on the console")
    }
    XCTAssertEqual(killer.type.rawValue, scenario.kind.reportType, killer.title)
    if let guilty = scenario.guiltyFunction {
      XCTAssertEqual(killer.guiltyFrame, guilty, killer.title)
    }
  }
}
