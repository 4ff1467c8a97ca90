import Foundation
import XCTest

@testable import KernelLog

final class CrashReportTests: XCTestCase {
  func testTransportsGiveTheSameReport() throws {
    let base = try LabConsoleLogTests.fixture("oops")
    let lines = String(decoding: base, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let variants: [String: String] = [
      "journal": lines.map { "Mar 03 10:11:12 lab kernel: " + $0 }.joined(separator: "\n"),
      "serial": lines.map { "\u{1B}[0m" + $0 + "\r" }.joined(separator: "\n"),
      "level": lines.map { "<4>" + $0 }.joined(separator: "\n"),
      "bare": lines.map { $0.drop(while: { $0 != "]" }).dropFirst(2) }.joined(separator: "\n"),
    ]
    for (name, text) in variants {
      let report = try XCTUnwrap(CrashReportParser().reports(inLog: Array(text.utf8)).first, name)
      XCTAssertEqual(
        report.title, "BUG: unable to handle kernel NULL pointer dereference in det_oops_fn", name)
      XCTAssertEqual(report.guiltyFrame, "det_oops_fn", name)
    }
  }

  func testRecordsFromADumpReachTheSameParser() throws {
    let lines = [
      "BUG: kernel NULL pointer dereference, address: 0000000000000008",
      "CPU: 3 PID: 7 Comm: kworker/3:0 Not tainted 6.1.0-28-amd64 #1  Debian 6.1.119-1",
      "RIP: 0010:example_fn+0x10/0x40 [example]",
      "Call Trace:",
      " <TASK>",
      " process_one_work+0x1e5/0x3b0",
      " worker_thread+0x50/0x3a0",
      " </TASK>",
    ]
    let records = lines.enumerated().map { index, text in
      LogRecord(text: text, sequence: UInt64(index), timestampNanoseconds: 1_000, caller: .task(pid: 7))
    }
    let report = try XCTUnwrap(CrashReportParser().reports(in: records, evidenceKind: "vmcore").first)
    XCTAssertEqual(report.title, "BUG: unable to handle kernel NULL pointer dereference in example_fn")
    XCTAssertEqual(report.evidence.kind, "vmcore")
    XCTAssertEqual(report.evidence.records, [0, 8])
    XCTAssertNil(report.evidence.span)
    XCTAssertEqual(report.task?.cpu, 3)
  }

  func testMultiLineRecordsFromADump() throws {
    let record = LogRecord(
      text:
        "BUG: kernel NULL pointer dereference, address: 0000000000000008\nRIP: 0010:example_fn+0x10/0x40\n"
        + "Call Trace:\n <TASK>\n worker_thread+0x50/0x3a0\n </TASK>",
      sequence: 9, timestampNanoseconds: 5, caller: .cpu(0))
    let report = try XCTUnwrap(CrashReportParser().reports(in: [record], evidenceKind: "vmcore").first)
    XCTAssertEqual(report.title, "BUG: unable to handle kernel NULL pointer dereference in example_fn")
    XCTAssertEqual(report.evidence.records, [0, 1])
  }

  func testSeveralCrashesInOrder() throws {
    let text = """
      [    1.000000] WARNING: CPU: 0 PID: 1 at drivers/a.c:1 first_fn+0x1/0x2
      [    1.000001] RIP: 0010:first_fn+0x1/0x2
      [    1.000002] Call Trace:
      [    1.000003]  caller_a+0x1/0x2
      [    1.000004] ---[ end trace 0000000000000000 ]---
      [    2.000000] general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP
      [    2.000001] RIP: 0010:second_fn+0x1/0x2
      [    2.000002] Call Trace:
      [    2.000003]  caller_b+0x1/0x2
      [    2.000004] Kernel panic - not syncing: Fatal exception
      """
    let reports = CrashReportParser().reports(inLog: Array(text.utf8))
    XCTAssertEqual(reports.map(\.title), ["WARNING in first_fn", "general protection fault in second_fn"])
    XCTAssertEqual(reports.map(\.panicked), [false, true])
    XCTAssertEqual(reports[1].type, .dos)
    XCTAssertEqual(
      CrashReport.killerFirst(reports).map(\.title),
      ["general protection fault in second_fn", "WARNING in first_fn"])
  }

  func testNoCrash() {
    let text =
      "[    0.000000] Linux version 6.1.0\n[    1.000000] WARNING: the mand mount option is deprecated\n"
    XCTAssertTrue(CrashReportParser().reports(inLog: Array(text.utf8)).isEmpty)
  }

  func testJSONShape() throws {
    let report = try XCTUnwrap(
      CrashReportParser().reports(inLog: try LabConsoleLogTests.fixture("softlockup")).first)
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
    let json = try XCTUnwrap(object)
    for key in [
      "title", "alt_titles", "type", "corrupted", "panicked", "guilty_frame", "kernel", "task", "taint",
      "hardware", "frames", "registers", "evidence", "log",
    ] {
      XCTAssertNotNil(json[key], key)
    }
    let frame = try XCTUnwrap((json["frames"] as? [[String: Any]])?.first)
    XCTAssertEqual(
      Set(frame.keys), ["function", "offset", "size", "module", "reliable", "address", "source"])
  }

  func testTitleNormalization() {
    XCTAssertEqual(
      TitleNormalizer.normalize(
        "KASAN: slab-out-of-bounds in do_raw_write_lock+0x1a3/0x1d0 at addr ffff8801c464b568"),
      "KASAN: slab-out-of-bounds in do_raw_write_lock at addr ADDR")
    XCTAssertEqual(
      TitleNormalizer.normalize("BUG: workqueue lockup - pool cpus=0 stuck for 43s!"),
      "BUG: workqueue lockup - pool cpus=NUM stuck for 43s!")
    XCTAssertEqual(
      TitleNormalizer.normalize("WARNING: at lib/refcount.c:25 on CPU#3"),
      "WARNING: at lib/refcount.c:LINE on CPU")
  }

  func testSyscallPrefixesBecomeAlternatives() {
    let names = SyscallNames.variants(of: "__se_sys_mremap")
    XCTAssertEqual(names.short, "mremap")
    XCTAssertEqual(Set(names.all), ["__se_sys_mremap", "sys_mremap", "mremap"])
  }
}
