import Foundation
import XCTest

@testable import Lab

final class ScenarioCatalogueTests: XCTestCase {
  let debian61 = KernelTree(
    release: "6.1.0-56-amd64", label: "6.1", packageVersion: nil, image: "/k", modulesDir: nil,
    buildDir: "/b", compiler: "gcc-12", noModulesReason: nil)
  let debian612 = KernelTree(
    release: "6.12.118+deb13-amd64", label: "6.12", packageVersion: nil, image: "/k", modulesDir: nil,
    buildDir: nil, compiler: nil, noModulesReason: "needs gcc 14")

  func testTheIssueScenariosExistOnce() {
    let names = ScenarioCatalogue.names
    XCTAssertEqual(Set(names).count, names.count)
    XCTAssertEqual(
      Set(names),
      [
        "panic", "oops", "bug", "warn", "softlockup", "hung-task", "rcu-stall", "hardlockup",
        "panic-notifier", "deadlock",
      ])
    XCTAssertThrowsError(try ScenarioCatalogue.named("nope"))
  }

  /// Each module a scenario loads has a C source in the resource, is listed in Kbuild, and
  /// defines the function the report parser must name as guilty.
  func testDetonatorSourcesMatchTheCatalogue() throws {
    let sources = try DetonatorBuilder.sources()
    let kbuild = try String(contentsOf: sources.appendingPathComponent("Kbuild"), encoding: .utf8)
    for scenario in ScenarioCatalogue.all {
      guard let module = scenario.module else { continue }
      let source = try String(contentsOf: sources.appendingPathComponent("\(module).c"), encoding: .utf8)
      XCTAssertTrue(kbuild.contains("\(module).o"), module)
      let guilty = try XCTUnwrap(scenario.guiltyFunction, scenario.name)
      XCTAssertTrue(source.contains(" \(guilty)("), "\(module).c defines \(guilty)")
    }
  }

  func testRefusals() throws {
    let hard = try ScenarioCatalogue.named("hardlockup")
    XCTAssertNotNil(hard.refusal(kernel: debian61, accelerator: .tcg))
    XCTAssertTrue(hard.refusal(kernel: debian61, accelerator: .tcg)?.contains("PMU") ?? false)
    XCTAssertNil(hard.refusal(kernel: debian61, accelerator: .kvm))
    let panic = try ScenarioCatalogue.named("panic")
    XCTAssertNil(panic.refusal(kernel: debian612, accelerator: .tcg))
    let oops = try ScenarioCatalogue.named("oops")
    XCTAssertEqual(oops.refusal(kernel: debian612, accelerator: .tcg), "needs gcc 14")
    XCTAssertNil(oops.refusal(kernel: debian61, accelerator: .tcg))
  }

  func testDetectorsAreArmed() throws {
    func sysctls(_ name: String) throws -> [String: String] {
      Dictionary(uniqueKeysWithValues: try ScenarioCatalogue.named(name).sysctls.map { ($0.key, $0.value) })
    }
    XCTAssertEqual(try sysctls("oops")["kernel.panic_on_oops"], "1")
    XCTAssertEqual(try sysctls("bug")["kernel.panic_on_oops"], "1")
    XCTAssertEqual(try sysctls("warn")["kernel.panic_on_warn"], "1")
    XCTAssertEqual(try sysctls("softlockup")["kernel.softlockup_panic"], "1")
    XCTAssertEqual(try sysctls("hung-task")["kernel.hung_task_panic"], "1")
    XCTAssertEqual(try sysctls("hardlockup")["kernel.hardlockup_panic"], "1")
    let rcu = try ScenarioCatalogue.named("rcu-stall")
    XCTAssertTrue(rcu.kernelParameters.contains("sysctl.kernel.panic_on_rcu_stall=1"))
    XCTAssertTrue(rcu.kernelParameters.contains("rcupdate.rcu_cpu_stall_timeout=3"))
    XCTAssertEqual(
      try ScenarioCatalogue.named("panic-notifier").kdumpParameters, ["crash_kexec_post_notifiers"])
    XCTAssertEqual(try ScenarioCatalogue.named("panic").trigger, .sysrq("c"))
  }

  func testAvailabilityTable() {
    let table = LabAvailability.table(
      kernels: [("6.1", debian61), ("6.12", debian612), ("5.10", nil)], accelerator: .tcg)
    XCTAssertEqual(table.cells.count, ScenarioCatalogue.all.count * 3)
    let runnable61 = table.cells.filter { $0.kernel == "6.1" && $0.refusal == nil }.map(\.scenario)
    XCTAssertEqual(Set(runnable61), Set(ScenarioCatalogue.names).subtracting(["hardlockup"]))
    let runnable612 = table.cells.filter { $0.kernel == "6.12" && $0.refusal == nil }.map(\.scenario)
    XCTAssertEqual(runnable612, ["panic"])
    XCTAssertTrue(
      table.cells.filter { $0.kernel == "5.10" }.allSatisfy { $0.refusal?.contains("setup") ?? false })
  }
}
