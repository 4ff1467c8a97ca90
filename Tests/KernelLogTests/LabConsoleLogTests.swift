import Foundation
import XCTest

@testable import KernelLog

/// Console logs of the crash lab's scenarios (Debian 6.1 kernels under QEMU, the
/// detonator modules of Sources/Lab/Detonators): each must name its kind and the
/// detonator's function as the guilty frame.
final class LabConsoleLogTests: XCTestCase {
  struct Expectation {
    let file: String
    let title: String
    let type: String
    let guilty: String
    let comm: String
  }

  static let expectations = [
    Expectation(
      file: "softlockup", title: "BUG: soft lockup in det_spin_fn", type: "HANG", guilty: "det_spin_fn",
      comm: "det_spin"),
    Expectation(
      file: "hung-task", title: "INFO: task hung in det_hung_fn", type: "HANG", guilty: "det_hung_fn",
      comm: "det_hung"),
    Expectation(
      file: "oops", title: "BUG: unable to handle kernel NULL pointer dereference in det_oops_fn",
      type: "NULL-POINTER-DEREFERENCE", guilty: "det_oops_fn", comm: "det_oops"),
    Expectation(
      file: "bug", title: "kernel BUG in det_bug_fn", type: "BUG", guilty: "det_bug_fn", comm: "det_bug"),
    Expectation(
      file: "warn", title: "WARNING in det_warn_fn", type: "WARNING", guilty: "det_warn_fn", comm: "det_warn"),
    Expectation(
      file: "rcu-stall", title: "INFO: rcu detected stall in det_rcu_stall_fn", type: "HANG",
      guilty: "det_rcu_stall_fn", comm: "det_rcu"),
    Expectation(
      file: "hardlockup", title: "BUG: hard lockup in det_hard_spin_fn", type: "HANG",
      guilty: "det_hard_spin_fn", comm: "det_hard"),
    Expectation(
      file: "panic", title: "kernel panic: sysrq triggered crash", type: "DoS", guilty: "sysrq_handle_crash",
      comm: "sh"),
    Expectation(
      file: "panic-notifier", title: "kernel panic: coroner: det_panic_fn panics", type: "DoS",
      guilty: "det_panic_fn", comm: "det_notifier"),
  ]

  static func fixture(_ name: String) throws -> [UInt8] {
    // Committed with the tests: a missing one is a broken checkout, never a skip.
    let url = try XCTUnwrap(
      Bundle.module.url(forResource: name, withExtension: "log", subdirectory: "Fixtures/lab"), "\(name).log")
    return try [UInt8](Data(contentsOf: url))
  }

  func testEveryScenarioNamesItsKindAndDetonator() throws {
    for expected in Self.expectations {
      let reports = CrashReportParser().reports(inLog: try Self.fixture(expected.file))
      XCTAssertEqual(reports.count, 1, expected.file)
      guard let report = reports.first else { continue }
      XCTAssertEqual(report.title, expected.title, expected.file)
      XCTAssertEqual(report.type.rawValue, expected.type, expected.file)
      XCTAssertEqual(report.guiltyFrame, expected.guilty, expected.file)
      XCTAssertEqual(report.task?.comm, expected.comm, expected.file)
      XCTAssertTrue(report.panicked, expected.file)
      XCTAssertFalse(report.corrupted, expected.file)
      XCTAssertEqual(report.kernel?.release, "6.1.0-28-amd64", expected.file)
      XCTAssertEqual(
        report.hardware, "QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014")
    }
  }

  func testSoftLockupDetails() throws {
    let report = try XCTUnwrap(CrashReportParser().reports(inLog: try Self.fixture("softlockup")).first)
    XCTAssertEqual(report.task?.pid, 93)
    XCTAssertEqual(report.task?.cpu, 1)
    XCTAssertEqual(report.taint?.flags, "O")
    XCTAssertEqual(report.taint?.meanings, ["out-of-tree module loaded"])
    XCTAssertEqual(report.kernel?.version, "#1  Debian 6.1.119-1")
    XCTAssertEqual(report.altTitles, ["stall in det_spin_fn"])
    XCTAssertEqual(report.registers["rip"], "0010:det_spin_fn+0x1a/0x20 [det_spin]")
    XCTAssertEqual(report.registers["rax"], "0000000000000033")
    let guilty = try XCTUnwrap(report.frames.first { $0.function == "det_spin_fn" })
    XCTAssertEqual(guilty.module, "det_spin")
    XCTAssertEqual(guilty.offset, 0x1a)
    XCTAssertEqual(guilty.size, 0x20)
    XCTAssertTrue(report.frames.contains { !$0.reliable }, "`? ` frames are kept, marked unreliable")
  }

  func testReportSpanCoversTheReportBytes() throws {
    let bytes = try Self.fixture("oops")
    let report = try XCTUnwrap(CrashReportParser().reports(inLog: bytes).first)
    let span = try XCTUnwrap(report.evidence.span)
    XCTAssertEqual(span.count, 2)
    let text = String(decoding: bytes[span[0]..<span[1]], as: UTF8.self)
    XCTAssertTrue(text.contains("BUG: kernel NULL pointer dereference, address: 0000000000000000"))
    XCTAssertTrue(text.hasPrefix("["))
    XCTAssertFalse(text.contains("coroner: det_oops_fn dereferences NULL"))
  }
}

/// Real console logs captured by the crash lab (Debian 5.10, 6.1 and 6.12 kernels
/// under QEMU, Sources/Lab), unchanged but for one thing: the 6.1 bug and warn logs were
/// captured before DetonatorBuilder mapped the build folder away, and their BUG/WARNING
/// lines now name `detonators/det_*.c` as the lab prints it today, not the build machine's
/// cache folder.
final class RealLabConsoleLogTests: XCTestCase {
  static let expectations: [(file: String, title: String, guilty: String)] = [
    ("6.1-softlockup", "BUG: soft lockup in det_spin_fn", "det_spin_fn"),
    ("6.1-hung-task", "INFO: task hung in det_hung_fn", "det_hung_fn"),
    ("6.1-oops", "BUG: unable to handle kernel NULL pointer dereference in det_oops_fn", "det_oops_fn"),
    ("6.1-bug", "kernel BUG in det_bug_fn", "det_bug_fn"),
    ("6.1-warn", "WARNING in det_warn_fn", "det_warn_fn"),
    ("6.1-rcu-stall", "INFO: rcu detected stall in det_rcu_stall_fn", "det_rcu_stall_fn"),
    ("6.1-panic", "kernel panic: sysrq triggered crash", "sysrq_handle_crash"),
    ("6.1-panic-notifier", "kernel panic: coroner: det_panic_fn panics", "det_panic_fn"),
    ("5.10-rcu-stall", "INFO: rcu detected stall in det_rcu_stall_fn", "det_rcu_stall_fn"),
    ("5.10-softlockup", "BUG: soft lockup in det_spin_fn", "det_spin_fn"),
    ("6.12-rcu-stall", "INFO: rcu detected stall in det_rcu_stall_fn", "det_rcu_stall_fn"),
    ("6.12-warn", "WARNING in det_warn_fn", "det_warn_fn"),
    ("6.12-hung-task", "INFO: task hung in det_hung_fn", "det_hung_fn"),
  ]

  func testRealLabLogs() throws {
    for expected in Self.expectations {
      let url = try XCTUnwrap(
        Bundle.module.url(
          forResource: expected.file, withExtension: "log", subdirectory: "Fixtures/lab-real"),
        "\(expected.file).log")
      let reports = CrashReportParser().reports(inLog: try [UInt8](Data(contentsOf: url)))
      XCTAssertEqual(reports.map(\.title), [expected.title], expected.file)
      XCTAssertEqual(reports.first?.guiltyFrame, expected.guilty, expected.file)
      XCTAssertEqual(reports.first?.corrupted, false, expected.file)
      XCTAssertEqual(reports.first?.hardware?.hasPrefix("QEMU Standard PC"), true, expected.file)
      XCTAssertEqual(
        reports.first?.task?.comm?.hasPrefix("det_") ?? false, !expected.file.hasSuffix("-panic"),
        expected.file)
      XCTAssertEqual(reports.first?.task?.comm?.contains(" "), false, expected.file)
    }
  }
}
