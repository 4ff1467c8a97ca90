import XCTest

@testable import Capture

final class ReadinessTests: XCTestCase {
  func report(_ failure: String?, profile: PanicProfile = .production) throws -> ReadinessReport {
    let root = try FixtureTree.machine(failure)
    defer { FixtureTree.remove(root) }
    return Readiness.check(SystemState(root: root), profile: profile)
  }

  func failed(_ report: ReadinessReport) -> [String: Severity] {
    Dictionary(report.findings.compactMap { f in f.severity.map { (f.check, $0) } }, uniquingKeysWith: min)
  }

  func testReadyMachinePassesEveryCheck() throws {
    let report = try report(nil)
    XCTAssertTrue(report.ready)
    XCTAssertEqual(failed(report), [:], "\(report.findings.filter { !$0.passed })")
    let items = Set(report.findings.map(\.item))
    for item in [1, 2, 3, 4, 6, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25] {
      XCTAssertTrue(items.contains(item), "checklist item \(item) has a check")
    }
    let reserved = report.findings.first { $0.check == "crashkernel.parameter" }
    XCTAssertEqual(reserved?.summary.contains("asks for 512 MiB"), true, reserved?.summary ?? "")
  }

  func testKernelWithoutKdump() throws {
    let failures = failed(try report("no-kdump-kernel"))
    XCTAssertEqual(failures["kernel.kdump"], .impossible)
    XCTAssertEqual(failures["kernel.config.CRASH_DUMP"], .impossible)
    XCTAssertEqual(failures["capture.loaded"], .impossible)
  }

  func testNoCrashKernelParameter() throws {
    let report = try report("no-crashkernel")
    XCTAssertFalse(report.ready)
    let finding = try XCTUnwrap(report.findings.first { $0.check == "crashkernel.parameter" })
    XCTAssertEqual(finding.severity, .impossible)
    XCTAssertEqual(finding.readings.first?.path, "/proc/cmdline")
    XCTAssertTrue(finding.fixes.contains(Fix(.kernelParameter, "crashkernel=2G-64G:256M,64G-:512M")))
    XCTAssertNil(report.findings.first { $0.check == "crashkernel.reserved" }, "one cause, one error")
  }

  func testReservationFailedAtBoot() throws {
    let report = try report("reservation-failed")
    let finding = try XCTUnwrap(report.findings.first { $0.check == "crashkernel.reserved" })
    XCTAssertEqual(finding.severity, .impossible)
    XCTAssertEqual(finding.readings.map(\.value), ["0", "no \"Crash kernel\" line"])
    XCTAssertTrue(report.findings.contains { $0.check == "crashkernel.parameter" && $0.passed })
  }

  func testRangeThatSelectsNothingForThisRAM() throws {
    let finding = try XCTUnwrap(
      try report("range-selects-nothing").findings.first { $0.check == "crashkernel.parameter" })
    XCTAssertEqual(finding.severity, .impossible)
    XCTAssertTrue(finding.summary.contains("reserves nothing on this machine's 8 GiB"), finding.summary)
  }

  func testReservationTooSmallIsDegraded() throws {
    let report = try report("reservation-too-small")
    XCTAssertTrue(report.ready)
    XCTAssertEqual(failed(report)["crashkernel.size"], .degraded)
  }

  /// 16 TiB of RAM: the capture's page bitmaps are made one cycle at a time
  /// (`PageCycles`), 4 MiB whatever the RAM, so the 512 MiB that `crashkernel=2G-:512M`
  /// reserves is enough; held whole they would take 1 GiB.
  func testSixteenTiBCapturesInsideHalfAGiB() throws {
    let report = try report("sixteen-tib-ram")
    let ram: UInt64 = 0x9ec00 + 0xbfeda000 + (16 << 40)
    XCTAssertEqual(
      report.findings.first { $0.check == "crashkernel.reserved" }?.summary,
      "512 MiB is reserved for the capture kernel")
    XCTAssertNil(
      report.findings.first { $0.check == "crashkernel.size" },
      "\(report.findings.map { ($0.check, $0.summary) })")
    XCTAssertEqual(KdumpReadiness.captureBitmapBytes, 4 << 20)
    // Held whole, the bitmaps of this RAM would not fit: 1 GiB and more.
    XCTAssertGreaterThan(2 * ((ram / 4096 + 7) / 8), 512 << 20)
  }

  func testCaptureKernelNotLoaded() throws {
    let report = try report("capture-kernel-not-loaded")
    XCTAssertFalse(report.ready)
    let finding = try XCTUnwrap(report.findings.first { $0.check == "capture.loaded" })
    XCTAssertEqual(finding.fixes, [Fix(.command, "coroner arm")])
  }

  func testKexecLoadDisabledUntilReboot() throws {
    let failures = failed(try report("kexec-load-disabled"))
    XCTAssertEqual(failures["kexec.load_disabled"], .impossible)
    XCTAssertEqual(failures["capture.loaded"], .impossible)
  }

  func testDumpDiskSmallerThanRAM() throws {
    let report = try report("dump-disk-too-small")
    XCTAssertFalse(report.ready)
    let finding = try XCTUnwrap(report.findings.first { $0.check == "dump.space" })
    XCTAssertEqual(finding.severity, .impossible)
    XCTAssertEqual(finding.readings.first?.value, "1 GiB free of 20 GiB")
  }

  func testReadOnlyDumpTarget() throws {
    XCTAssertEqual(failed(try report("dump-target-read-only"))["dump.target"], .impossible)
  }

  func testHungTaskWarningsExhausted() throws {
    let report = try report("hung-task-warnings-exhausted")
    XCTAssertTrue(report.ready, "a crash would still be captured; hangs would not")
    let finding = try XCTUnwrap(report.findings.first { $0.check == "kernel.hung_task_warnings" })
    XCTAssertEqual(finding.severity, .degraded)
    XCTAssertTrue(finding.summary.contains("used up"), finding.summary)
    XCTAssertEqual(finding.fixes.first, Fix(.sysctl, "sysctl -w kernel.hung_task_warnings=-1"))
    XCTAssertEqual(failed(report)["kernel.hung_task_panic"], .degraded)
  }

  func testDetectorsThatOnlyWarn() throws {
    let failures = failed(try report("detectors-warn-only"))
    for knob in [
      "kernel.panic_on_oops", "kernel.softlockup_panic", "kernel.nmi_watchdog",
      "rcupdate.rcu_cpu_stall_suppress",
    ] {
      XCTAssertEqual(failures[knob], .degraded, knob)
    }
  }

  func testKnobFixesNameTheSysctlAndTheBootParameter() throws {
    let finding = try XCTUnwrap(
      try report("detectors-warn-only").findings.first { $0.check == "kernel.panic_on_oops" })
    XCTAssertEqual(
      finding.fixes, [Fix(.sysctl, "sysctl -w kernel.panic_on_oops=1"), Fix(.kernelParameter, "oops=panic")])
    let stall = try XCTUnwrap(
      try report("detectors-warn-only").findings.first { $0.check == "rcupdate.rcu_cpu_stall_suppress" })
    XCTAssertEqual(
      stall.fixes.first, Fix(.command, "echo 0 > /sys/module/rcupdate/parameters/rcu_cpu_stall_suppress"))
  }

  func testLabProfileWantsPanicOnWarn() throws {
    XCTAssertNil(failed(try report(nil, profile: .production))["kernel.panic_on_warn"])
    XCTAssertEqual(failed(try report(nil, profile: .lab))["kernel.panic_on_warn"], .advice)
  }

  func testPstoreFullAndNoPostNotifiers() throws {
    let failures = failed(try report("pstore-full-no-post-notifiers"))
    XCTAssertEqual(failures["pstore.records"], .degraded)
    XCTAssertEqual(failures["pstore.post_notifiers"], .degraded)
  }

  func testNetconsoleDrift() throws {
    let failures = failed(try report("netconsole-drift"))
    XCTAssertEqual(failures["netconsole.collector.remote_mac"], .degraded)
    XCTAssertEqual(failures["netconsole.collector.enslaved"], .degraded)
    XCTAssertEqual(failures["netconsole.collector.extended"], .advice)
  }

  func testStaleCaptureKernelAndCommandLine() throws {
    let failures = failed(try report("stale-capture-cmdline"))
    XCTAssertEqual(failures["capture.stale"], .degraded)
    XCTAssertEqual(failures["capture.cmdline"], .degraded)
  }

  func testLockdownAdvisesSignedImages() throws {
    XCTAssertEqual(failed(try report("locked-down"))["kexec.lockdown"], .advice)
  }

  func testSecureBootAdvisesSignedImages() throws {
    let report = try report("secure-boot")
    XCTAssertTrue(report.ready)
    XCTAssertEqual(failed(report), ["kexec.secure_boot": .advice])
  }

  func testFindingsComeInChecklistOrder() throws {
    let items = try report("no-crashkernel").findings.map(\.item)
    XCTAssertEqual(items, items.sorted())
  }
}

final class SystemTreeRecorderTests: XCTestCase {
  /// A saved tree must answer every check as the machine did.
  func assertSavedTreeReadsTheSame(
    _ root: SystemRoot, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let recorder = SystemTreeRecorder()
    var recorded = root
    recorded.recorder = recorder
    let live = Readiness.check(SystemState(root: recorded))
    let saved = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-tree-\(UUID().uuidString)"
    ).path
    defer { try? FileManager.default.removeItem(atPath: saved) }
    try recorder.save(from: recorded, to: saved)
    let replayed = Readiness.check(SystemState(root: SystemRoot(saved)))
    XCTAssertEqual(replayed.findings.count, live.findings.count, file: file, line: line)
    for (a, b) in zip(live.findings, replayed.findings) {
      XCTAssertEqual(a, b, file: file, line: line)
    }
  }

  func testSavedFixtureTreeReadsTheSame() throws {
    for failure in [nil, "netconsole-drift", "pstore-full-no-post-notifiers", "dump-disk-too-small"] {
      let root = try FixtureTree.machine(failure)
      defer { FixtureTree.remove(root) }
      try assertSavedTreeReadsTheSame(root)
    }
  }

  func testSavedTreeOfThisMachineReadsTheSame() throws {
    try assertSavedTreeReadsTheSame(SystemRoot("/"))
  }
}
