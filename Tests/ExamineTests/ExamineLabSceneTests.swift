import Dump
import Examine
import Foundation
import KernelLog
import Lab
import Symbols
import TestSupport
import XCTest

/// examine on real lab dumps: every scenario the lab runs on 6.1, captured by
/// in-guest kdump, names its kind and the detonator's function; kallsyms read from
/// 6.1 and 6.12 dumps equal the kernel package's System.map moved by KASLR.
final class ExamineLabSceneTests: XCTestCase {
  func testEvery61ScenarioNamesItsKindAndGuiltyFrameFromTheDump() throws {
    let scenarios = try LabScenes.runnable(on: .v6_1)
    XCTAssertFalse(scenarios.isEmpty)
    for scenario in scenarios {
      let scene = try LabScenes.scene(scenario.name, on: .v6_1)
      let examination = try Examiner().examine(path: scene.vmcore.path)
      XCTAssertEqual(examination.kind, .vmcore, scenario.name)
      guard let report = examination.reports.first else {
        XCTFail("\(scenario.name): no report in \(scene.vmcore.path)")
        continue
      }
      XCTAssertEqual(report.type.rawValue, scenario.kind.reportType, "\(scenario.name): \(report.title)")
      if let guilty = scenario.guiltyFunction {
        XCTAssertEqual(report.guiltyFrame, guilty, "\(scenario.name): \(report.title)")
      }
      XCTAssertTrue(report.panicked, scenario.name)
      // What only the dump knows: the crashing CPU's registers, rip named by kallsyms.
      XCTAssertNotNil(report.registers["rip"], scenario.name)
      XCTAssertNotNil(report.registerSymbols?["rip"], scenario.name)
      XCTAssertNotNil(report.task?.cpu, scenario.name)
      print("\(scenario.name): \(report.title) | rip \(report.registerSymbols?["rip"] ?? "?")")
    }
  }

  /// The hard lockup, on the lab's own 6.12 build with the buddy detector (Debian's
  /// kernels have only the perf one, which TCG cannot drive): a kernel thread spins with
  /// interrupts off, the other CPU's watchdog sees its hrtimer count stand still and
  /// panics (hardlockup_panic), kdump captures, and examine names the detonator.
  func testBuddyHardLockupNamesTheDetonatorFromTheDump() throws {
    let scenario = try ScenarioCatalogue.named("hardlockup")
    let scene = try LabScenes.scene(scenario.name, on: .v6_12_buddy)
    let console = try String(contentsOf: scene.console, encoding: .utf8)
    XCTAssertTrue(console.contains("Watchdog detected hard LOCKUP on cpu"), "console: \(scene.console.path)")
    XCTAssertEqual(scene.scene.capture, .kdump)
    let examination = try Examiner().examine(path: scene.vmcore.path)
    XCTAssertEqual(examination.kind, .vmcore)
    let report = try XCTUnwrap(examination.reports.first, scene.vmcore.path)
    XCTAssertEqual(report.type.rawValue, scenario.kind.reportType, report.title)
    XCTAssertEqual(report.title, "BUG: hard lockup in det_hard_spin_fn")
    XCTAssertEqual(report.guiltyFrame, "det_hard_spin_fn", report.title)
    XCTAssertTrue(report.panicked)
    XCTAssertNotNil(report.registers["rip"])
    print(
      "hardlockup on \(scene.scene.kernel.release): \(report.title) | rip \(report.registerSymbols?["rip"] ?? "?")"
    )
  }

  /// The `panic` scene of every kernel and capture (the dump tests' reference scenes):
  /// examine names the sysrq panic from the dump, with the registers of the crashing
  /// CPU, named from the dump's kallsyms: found through VMCOREINFO from 6.0 on, by a scan
  /// of the kernel image on 5.10 (Symbols' KallsymsScan).
  func testEveryKernelsPanicDumpIsExamined() throws {
    for kernel in DebianKernel.packaged {
      for capture in LabScenes.panicCaptures(on: kernel) {
        let scene = try LabScenes.scene("panic", on: kernel, capture: capture)
        let label = "\(kernel.rawValue) \(capture.rawValue)"
        let examination = try Examiner().examine(path: scene.vmcore.path)
        XCTAssertEqual(examination.kind, .vmcore, label)
        let report = try XCTUnwrap(examination.reports.first, label)
        XCTAssertEqual(report.title, "kernel panic: sysrq triggered crash", label)
        XCTAssertEqual(report.guiltyFrame, "sysrq_handle_crash", label)
        XCTAssertNotNil(report.registers["rip"], label)
        XCTAssertNotNil(report.task?.cpu, label)
        XCTAssertNotNil(report.registerSymbols?["rip"], label)
      }
    }
  }

  /// The oops and BUG scenes die in module code (panic_on_oops: crash_kexec() from
  /// oops_end() with the faulting registers), so rip is named from the dump's module
  /// list as the log's `RIP:` line names it.
  func testModuleRipIsNamedFromTheDumpsModuleList() throws {
    for name in ["oops", "bug"] {
      let scene = try LabScenes.scene(name, on: .v6_1)
      let report = try XCTUnwrap(
        try Examiner().examine(path: scene.vmcore.path).reports.first)
      let ripLine = try XCTUnwrap(report.log.split(separator: "\n").first { $0.contains("RIP: 0010:") }, name)
      // `RIP: 0010:det_oops_fn+0x1c/0x1000 [det_oops]`: function+offset and module.
      let printed = String(ripLine[ripLine.range(of: "RIP: 0010:")!.upperBound...])
      let functionAndOffset = String(printed.prefix { $0 != "/" })
      let module = String(printed.split(separator: " ").last ?? "")
      let named = try XCTUnwrap(report.registerSymbols?["rip"], name)
      XCTAssertTrue(named.hasPrefix(functionAndOffset + "/"), "\(name): \(named) vs \(printed)")
      XCTAssertTrue(named.hasSuffix(" " + module), "\(name): \(named) vs \(printed)")
    }
  }

  func testKallsymsOf61DumpEqualSystemMap() throws {
    try checkKallsyms(on: .v6_1)
  }

  func testKallsymsOf612DumpEqualSystemMap() throws {
    try checkKallsyms(on: .v6_12)
  }

  /// The dump of the `panic` scene (QEMU -z) against every `SYMBOL()` VMCOREINFO
  /// states, and against the -dbg package's System.map of the scene's release moved by
  /// KERNELOFFSET (fetched now when `coroner lab setup --debug` has not; the image
  /// package's System.map is a placeholder).
  func checkKallsyms(on kernel: DebianKernel) throws {
    let scene = try LabScenes.scene("panic", on: kernel, capture: .qemuKdump)
    let vmcore = try Vmcore.open(path: scene.vmcore.path)
    let info = try XCTUnwrap(vmcore.vmcoreInfo)
    let table = try DumpKallsyms.read(vmcore)
    var compared = 0
    for (key, _) in info.entries where key.hasPrefix("SYMBOL(") {
      let name = String(key.dropFirst(7).dropLast())
      // VMCOREINFO_SYMBOL_ARRAY (kernel/vmcore_info.c): the pointer's value, not its address.
      guard name != "mem_section" else { continue }
      guard let address = table.address(of: name) else { continue }
      XCTAssertEqual(address, info.symbol(name), "\(kernel.rawValue): \(name)")
      compared += 1
    }
    print("kallsyms \(kernel.rawValue): \(table.count) symbols, \(compared) VMCOREINFO symbols compared")
    XCTAssertGreaterThanOrEqual(compared, 5)
    // The scene is of the release the lab runs now, and so is its -dbg package.
    let release = try XCTUnwrap(info.osRelease)
    let package = try LabGate.debugPackage(kernel)
    XCTAssertEqual(package.release, release)
    let map = try XCTUnwrap(package.file(.systemMap), "System.map of \(release)")
    try assertKallsyms(table, equalSystemMapAt: map.path, shiftedBy: try XCTUnwrap(info.kernelOffset))
  }
}
