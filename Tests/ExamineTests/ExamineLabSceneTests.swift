import Dump
import Foundation
import KernelLog
import Lab
import Symbols
import XCTest

@testable import coroner

/// examine on real lab dumps: every scenario the lab runs on 6.1, captured by
/// in-guest kdump, names its kind and the detonator's function; kallsyms read from
/// 6.1 and 6.12 dumps equal the kernel package's System.map moved by KASLR.
final class ExamineLabSceneTests: XCTestCase {
  func testEvery61ScenarioNamesItsKindAndGuiltyFrameFromTheDump() throws {
    let scenarios = try LabScenes.runnable(on: .v6_1)
    XCTAssertFalse(scenarios.isEmpty)
    for scenario in scenarios {
      let scene = try LabScenes.scene(scenario.name, on: .v6_1)
      let examination = try Examination.examine(try EvidenceFile.read(scene.vmcore.path))
      XCTAssertEqual(examination.kind, "vmcore", scenario.name)
      guard let report = examination.reports.first else {
        XCTFail("\(scenario.name): no report in \(scene.vmcore.path)")
        continue
      }
      XCTAssertEqual(report.type, LabScenes.reportType(scenario.kind), "\(scenario.name): \(report.title)")
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

  func testKallsymsOf61DumpEqualSystemMap() throws {
    try checkKallsyms(on: .v6_1)
  }

  func testKallsymsOf612DumpEqualSystemMap() throws {
    try checkKallsyms(on: .v6_12)
  }

  /// The dump of the `panic` scene (shared with DumpTests and LabTests) against the
  /// System.map the kernel package installs in /boot, moved by VMCOREINFO's KERNELOFFSET.
  func checkKallsyms(on kernel: DebianKernel) throws {
    let scene = try LabScenes.scene("panic", on: kernel, capture: .qemuKdump)
    let vmcore = try Vmcore.open(path: scene.vmcore.path)
    let info = try XCTUnwrap(vmcore.vmcoreInfo)
    let table = try DumpKallsyms.read(vmcore)
    let tree = try LabCache().kernel(kernel)
    let map = URL(fileURLWithPath: tree.image).deletingLastPathComponent()
      .appendingPathComponent("System.map-\(tree.release)").path
    try assertKallsyms(table, equalSystemMapAt: map, shiftedBy: try XCTUnwrap(info.kernelOffset))
    XCTAssertEqual(table.address(of: "_stext"), info.symbol("_stext"))
  }
}
