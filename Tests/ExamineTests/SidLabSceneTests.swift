import Dump
import Examine
import Foundation
import Kernel
import Lab
import Symbols
import TestSupport
import XCTest

/// Debian sid's kernel (7.x): the formats that moved since 6.12 (kallsyms' place-relative
/// offsets with no `kallsyms_relative_base` in VMCOREINFO, ORC's renumbered registers),
/// and examine, ps and bt on its panic, oops and hung-task scenes.
final class SidLabSceneTests: XCTestCase {
  /// kallsyms decodes with place-relative offsets (7.0's "kallsyms: Get rid of kallsyms
  /// relative base"), agreeing with every symbol VMCOREINFO states; ORC is read in the
  /// 7.1 register numbering.
  func testSidFormatsAreTheNewOnes() throws {
    let scene = try LabScenes.scene("panic", on: .sid)
    let vmcore = try Vmcore.open(path: scene.vmcore.path)
    let info = try XCTUnwrap(vmcore.vmcoreInfo)
    XCTAssertNil(info.symbol("kallsyms_relative_base"))
    let location = try DumpKallsyms.location(info)
    let (table, encoding) = try Kallsyms.read(from: try vmcore.kernelMemory(), at: location)
    XCTAssertEqual(encoding, .placeRelative)
    var compared = 0
    for (key, _) in info.entries where key.hasPrefix("SYMBOL(") {
      let name = String(key.dropFirst(7).dropLast())
      guard name != "mem_section", let address = table.address(of: name) else { continue }
      XCTAssertEqual(address, info.symbol(name), name)
      compared += 1
    }
    XCTAssertGreaterThanOrEqual(compared, 5)
    // Data symbols that 7.2's kallsyms letters as text are read as data.
    XCTAssertFalse(try XCTUnwrap(table.symbols.first { $0.name == "jiffies" }).isText)
    XCTAssertFalse(try XCTUnwrap(table.symbols.first { $0.name == "modules" }).isText)
    let image = try KernelImage(vmcore: vmcore)
    let version = try XCTUnwrap(image.version)
    XCTAssertGreaterThanOrEqual(version.0, 7)
    XCTAssertEqual(try OrcTable.load(image: image).table.format, .v4)
  }

  /// Every scene: examine names the kind and the guilty function from the dump, and every
  /// task's stack ends at a kernel thread's start, the syscall entry or the idle loop.
  func testSidScenesAreExaminedAndEveryStackReachesItsBottom() throws {
    for name in ["panic", "oops", "hung-task"] {
      let scenario = try XCTUnwrap(ScenarioCatalogue.all.first { $0.name == name })
      let scene = try LabScenes.scene(name, on: .sid)
      let report = try XCTUnwrap(try Examiner().examine(path: scene.vmcore.path).reports.first, name)
      XCTAssertEqual(report.type.rawValue, scenario.kind.reportType, "\(name): \(report.title)")
      if let guilty = scenario.guiltyFunction {
        XCTAssertEqual(report.guiltyFrame, guilty, "\(name): \(report.title)")
      }
      XCTAssertTrue(report.panicked, name)
      XCTAssertNotNil(report.registerSymbols?["rip"], name)

      let image = try KernelImage(vmcore: try Vmcore.open(path: scene.vmcore.path))
      XCTAssertEqual(image.problems, [], name)
      let list = try TaskList(image: image)
      XCTAssertEqual(list.problems, [], name)
      let backtracer = try TaskBacktracer(image: image, tasks: list)
      let stacks = list.tasks.map(backtracer.backtrace)
      XCTAssertGreaterThan(stacks.count, 40, name)
      for stack in stacks {
        let last = stack.frames.last?.function ?? "nothing"
        XCTAssertTrue(
          TaskLabSceneTests.bottoms.contains(last),
          "\(name): pid \(stack.task.pid) \(stack.task.comm) ends at \(last)")
        if case .stopped(let why) = stack.ending { XCTFail("\(name): pid \(stack.task.pid): \(why)") }
      }
    }
  }
}
