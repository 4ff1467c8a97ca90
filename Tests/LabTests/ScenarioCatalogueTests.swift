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

  /// The buddy detector needs no PMU, only a second CPU: the hard lockup runs on the
  /// lab's own 6.12 build under TCG.
  func testHardLockupRunsOnABuddyKernel() throws {
    let hard = try ScenarioCatalogue.named("hardlockup")
    var buddy = debian61
    buddy.label = DebianKernel.v6_12_buddy.rawValue
    buddy.hardLockupDetector = .buddy
    XCTAssertNil(hard.refusal(kernel: buddy, accelerator: .tcg))
    XCTAssertEqual(
      hard.refusal(kernel: buddy, accelerator: .tcg, cpus: 1),
      "the buddy hard-lockup detector watches each CPU from another: boot 2 CPUs or more")
    var perf = debian61
    perf.hardLockupDetector = .perf
    XCTAssertTrue(hard.refusal(kernel: perf, accelerator: .tcg)?.contains("6.12-buddy") ?? false)
    XCTAssertNil(hard.refusal(kernel: perf, accelerator: .kvm))
  }

  func testDetectorIsReadFromTheConfiguration() {
    XCTAssertEqual(
      HardLockupDetector.configured(
        in:
          "CONFIG_HARDLOCKUP_DETECTOR=y\nCONFIG_HARDLOCKUP_DETECTOR_PREFER_BUDDY=y\nCONFIG_HARDLOCKUP_DETECTOR_BUDDY=y\n"
      ),
      .buddy)
    XCTAssertEqual(
      HardLockupDetector.configured(in: "CONFIG_HARDLOCKUP_DETECTOR=y\nCONFIG_HARDLOCKUP_DETECTOR_PERF=y\n"),
      .perf)
    // Before 6.5 the perf detector had no option of its own.
    XCTAssertEqual(HardLockupDetector.configured(in: "CONFIG_HARDLOCKUP_DETECTOR=y\n"), .perf)
    XCTAssertNil(HardLockupDetector.configured(in: "# CONFIG_HARDLOCKUP_DETECTOR is not set\n"))
  }

  /// Kconfig drops an option whose dependencies are not met without a word: the build
  /// compares the fragment with the `.config` it produced.
  func testBuddyConfigurationIsCheckedAgainstDotConfig() {
    let config = LabKernelConfig.buddy
    XCTAssertTrue(config.fragment.contains("CONFIG_HARDLOCKUP_DETECTOR_BUDDY=y\n"))
    XCTAssertTrue(config.fragment.contains("CONFIG_LOCALVERSION=\"-buddy\"\n"))
    for needed in [
      "CRASH_DUMP", "KEXEC", "PROC_VMCORE", "DEBUG_INFO_BTF", "UNWINDER_ORC", "KALLSYMS_ALL", "SMP",
    ] {
      XCTAssertTrue(config.options.contains(.init(needed)), needed)
    }
    XCTAssertEqual(config.unmet(in: config.fragment), [])
    let withoutBlk = config.fragment.replacingOccurrences(of: "CONFIG_VIRTIO_BLK=y\n", with: "")
    XCTAssertEqual(config.unmet(in: "# generated\n" + withoutBlk), ["CONFIG_VIRTIO_BLK=y"])
    XCTAssertEqual(DebianKernel.v6_12_buddy.sourceBuild, config)
    XCTAssertEqual(DebianKernel.v6_12_buddy.suite, "trixie")
    XCTAssertFalse(DebianKernel.packaged.contains(.v6_12_buddy))
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

  func testABuddyKernelNotYetBuiltSaysHowToBuildIt() {
    let table = LabAvailability.table(kernels: [("6.12-buddy", nil)], accelerator: .tcg)
    XCTAssertEqual(
      table.cells.first?.refusal,
      "kernel 6.12-buddy not built; run `coroner lab setup --kernel 6.12-buddy` (builds it from source)")
  }
}
