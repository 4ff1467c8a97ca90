import Dump
import KernelLog
import Lab
import TestSupport
import XCTest

@testable import coroner

final class ExamineVmcoreTests: XCTestCase {
  func examine(_ path: String, options: ExamineOptions = ExamineOptions()) throws -> Examination {
    try Examination.examine(try EvidenceFile.read(path), options: options)
  }

  func testSampleVmcoreNamesTheSoftLockupWithTheCrashingCpusRegisters() throws {
    let examination = try examine(Samples.softlockupVmcore)
    XCTAssertEqual(examination.kind, "vmcore")
    let report = try XCTUnwrap(examination.reports.first)
    XCTAssertEqual(report.title, "BUG: soft lockup in det_spin_fn")
    XCTAssertEqual(report.type, .hang)
    XCTAssertEqual(report.guiltyFrame, "det_spin_fn")
    XCTAssertTrue(report.panicked)
    XCTAssertEqual(report.evidence.kind, "vmcore")
    XCTAssertEqual(report.task?.comm, "det_spin")
    XCTAssertEqual(report.task?.pid, 103)
    XCTAssertEqual(report.task?.cpu, 0)
    // The registers are those of the CPU whose NT_PRSTATUS carries the task's pid.
    let vmcore = try Vmcore.open(path: Samples.softlockupVmcore)
    let cpu = try XCTUnwrap(vmcore.cpus.first { $0.pid == 103 })
    XCTAssertEqual(report.registers["rip"], "0x" + String(try XCTUnwrap(cpu["rip"]), radix: 16))
    XCTAssertEqual(report.registers["rsp"], "0x" + String(try XCTUnwrap(cpu["rsp"]), radix: 16))
    XCTAssertEqual(report.registers.count, cpu.registers.count)
  }

  func testSampleVmcoreAgreesWithItsConsoleLog() throws {
    let fromDump = try XCTUnwrap(try examine(Samples.softlockupVmcore).reports.first)
    let fromConsole = try XCTUnwrap(try examine(Samples.softlockupConsole).reports.first)
    XCTAssertEqual(fromDump.title, fromConsole.title)
    XCTAssertEqual(fromDump.type, fromConsole.type)
    XCTAssertEqual(fromDump.guiltyFrame, fromConsole.guiltyFrame)
    XCTAssertEqual(fromDump.frames.map(\.function), fromConsole.frames.map(\.function))
    XCTAssertEqual(fromDump.task, fromConsole.task)
    XCTAssertEqual(fromDump.kernel?.release, fromConsole.kernel?.release)
  }

  func testRipIsNamedFromTheDumpsOwnKallsyms() throws {
    let report = try XCTUnwrap(try examine(Samples.softlockupVmcore).reports.first)
    let rip = try XCTUnwrap(report.registerSymbols?["rip"])
    // In-guest kdump saves the panicking CPU's registers in the crash path
    // (crash_setup_regs() inlined into __crash_kexec, kernel/kexec_core.c).
    XCTAssertTrue(rip.hasPrefix("__crash_kexec+0x"), rip)
    XCTAssertTrue(rip.contains("/0x"), rip)
    // Every named register holds a value inside the symbol it is named after.
    let table = try DumpExamination.open(Samples.softlockupVmcore).symbols.get()
    for (name, text) in report.registerSymbols ?? [:] {
      let value = try XCTUnwrap(UInt64(try XCTUnwrap(report.registers[name]).dropFirst(2), radix: 16))
      XCTAssertEqual(table.locate(value)?.description, text, name)
    }
  }

  /// The panicking CPU's stack, from its saved rsp: the soft lockup watchdog's
  /// hrtimer called panic(), which called __crash_kexec (kernel/watchdog.c).
  func testStackWordsFromTheSavedStackPointerNameThePanicPath() throws {
    let report = try XCTUnwrap(try examine(Samples.softlockupVmcore).reports.first)
    let words = try XCTUnwrap(report.stackWords)
    let names = words.compactMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) }
    for expected in ["__crash_kexec+", "panic+", "watchdog_timer_fn", "hrtimer_interrupt+"] {
      XCTAssertTrue(names.contains { $0.hasPrefix(expected) }, "\(expected) in \(names)")
    }
    XCTAssertTrue(words.allSatisfy { $0.hasPrefix("rsp+0x") }, "\(words)")
  }

  func testJsonCarriesRegistersTaskAndTheirNames() throws {
    let line = try ExamineJSON.line(try examine(Samples.softlockupVmcore))
    let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    XCTAssertEqual(object["kind"] as? String, "vmcore")
    let report = try XCTUnwrap((object["reports"] as? [[String: Any]])?.first)
    XCTAssertEqual((report["evidence"] as? [String: Any])?["kind"] as? String, "vmcore")
    XCTAssertEqual((report["task"] as? [String: Any])?["comm"] as? String, "det_spin")
    XCTAssertNotNil((report["registers"] as? [String: String])?["rip"])
    XCTAssertNotNil((report["register_symbols"] as? [String: String])?["rip"])
  }

  func testHumanSummaryShowsTheRegistersAfterTheTrace() throws {
    let text = ExamineSummary.text(try examine(Samples.softlockupVmcore), showPath: true)
    XCTAssertTrue(text.contains("BUG: soft lockup in det_spin_fn"), text)
    XCTAssertTrue(text.contains("(vmcore)"), text)
    XCTAssertTrue(text.contains("registers (the crashing CPU, from the dump):"), text)
    XCTAssertTrue(text.contains("rip     0x"), text)
    XCTAssertTrue(text.contains("__crash_kexec+0x"), text)
  }

  /// Source lines need the kernel's DWARF, which does not ship with the sample: the
  /// lab's soft lockup scene of the release the lab runs now, with that release's -dbg
  /// package (fetched now when `coroner lab setup --debug` has not).
  func testDebugDirectoryFillsSourceLinesAndGuiltyFile() throws {
    let scene = try LabGate.scene("softlockup", on: .v6_1)
    let package = try LabGate.debugPackage(.v6_1, parts: [.systemMap, .vmlinux])
    XCTAssertEqual(package.release, scene.scene.kernel.release)
    let options = ExamineOptions(
      vmlinux: nil, debugDirectory: package.debugDirectory.path, modulesDirectory: nil)
    let report = try XCTUnwrap(try examine(scene.vmcore.path, options: options).reports.first)
    XCTAssertEqual(report.guiltyFrame, "det_spin_fn")
    let kthread = try XCTUnwrap(report.frames.first { $0.function == "kthread" })
    XCTAssertEqual(kthread.file, "kernel/kthread.c")
    XCTAssertNotNil(kthread.line)
    XCTAssertEqual(report.frames.first { $0.function == "ret_from_fork" }?.file, "arch/x86/entry/entry_64.S")
  }

  func testTruncatedVmcoreIsBadDataNotACrash() throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: Samples.softlockupVmcore)).prefix(6000)
    let path = NSTemporaryDirectory() + "coroner-examine-truncated-\(getpid()).vmcore"
    try bytes.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    XCTAssertThrowsError(try examine(path)) { error in
      guard let error = error as? EvidenceError else { return XCTFail("\(error)") }
      XCTAssertEqual(error.exitCode.rawValue, 65)
    }
  }
}
