import Glibc
import XCTest

@testable import Capture

/// Stands in for kexec_file_load: records the call and flips kexec_crash_loaded in the
/// fixture tree as the kernel would.
final class FakeLoader: CrashKernelLoader, @unchecked Sendable {
  let root: SystemRoot
  var failure: Int32?
  var loads: [(kernel: String, initrd: String?, commandLine: String)] = []
  var unloads = 0

  init(root: SystemRoot, failure: Int32? = nil) {
    self.root = root
    self.failure = failure
  }

  func loadCrashKernel(kernel: String, initrd: String?, commandLine: String) throws(KexecLoadError) {
    if let failure { throw KexecLoadError(operation: .load, errno: failure) }
    loads.append((kernel, initrd, commandLine))
    try? root.write("1", to: "/sys/kernel/kexec_crash_loaded")
  }

  func unloadCrashKernel() throws(KexecLoadError) {
    unloads += 1
    try? root.write("0", to: "/sys/kernel/kexec_crash_loaded")
  }
}

final class ArmTests: XCTestCase {
  func testCaptureCommandLineDropsWhatBreaksACaptureKernel() {
    let running =
      "BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=0f3c ro quiet crashkernel=384M-2G:256M,2G-:512M "
      + "hugepages=512 isolcpus=2-3 console=ttyS0,115200 nr_cpus=4 -- --init-argument"
    XCTAssertEqual(
      CaptureCommandLine.derive(from: running),
      "root=UUID=0f3c ro console=ttyS0,115200 irqpoll nr_cpus=1 reset_devices")
    XCTAssertEqual(
      CaptureCommandLine.derive(
        from: "root=/dev/vda irqpoll\n", append: ["panic=10 module_blacklist=mlx5_core"]),
      "root=/dev/vda irqpoll nr_cpus=1 reset_devices panic=10 module_blacklist=mlx5_core")
  }

  func testLoadedCommandLineProblems() {
    XCTAssertEqual(CaptureCommandLine.problems(in: "root=/dev/vda irqpoll nr_cpus=1 reset_devices"), [])
    XCTAssertEqual(
      CaptureCommandLine.problems(in: "root=/dev/vda crashkernel=256M"),
      ["carries crashkernel=256M", "neither irqpoll nor nr_cpus=1", "no reset_devices"])
  }

  func testPlanWritesOnlyWhatDiffersAndSaysWhy() throws {
    let root = try FixtureTree.machine("detectors-warn-only")
    defer { FixtureTree.remove(root) }
    let plan = try ArmPlan(ArmPlan.Request(profile: .production), state: SystemState(root: root))
    XCTAssertEqual(
      plan.writes.map { "\($0.name) \($0.from)->\($0.to)" },
      [
        "kernel.panic_on_oops 0->1", "kernel.nmi_watchdog 0->1", "kernel.softlockup_panic 0->1",
        "rcupdate.rcu_cpu_stall_suppress 1->0",
      ])
    XCTAssertTrue(plan.writes.allSatisfy { !$0.reason.isEmpty })
    let load = try XCTUnwrap(plan.load)
    XCTAssertEqual(load.kernel, "/boot/vmlinuz-6.1.0-26-amd64")
    XCTAssertNil(load.initrd)
    XCTAssertEqual(load.flags, 6, "KEXEC_FILE_ON_CRASH | KEXEC_FILE_NO_INITRAMFS")
    XCTAssertFalse(load.commandLine.contains("crashkernel="))
  }

  func testArmingWritesThePolicyLoadsAndRecords() throws {
    let root = try FixtureTree.machine("capture-kernel-not-loaded")
    defer { FixtureTree.remove(root) }
    try root.write("0", to: "/proc/sys/kernel/panic_on_oops")
    XCTAssertFalse(Readiness.check(SystemState(root: root)).ready, "doctor: not ready before arm")

    let plan = try ArmPlan(
      ArmPlan.Request(profile: .production, initrd: nil, append: ["panic=10"]), state: SystemState(root: root)
    )
    let loader = FakeLoader(root: root)
    try Arming(root: root, loader: loader).apply(plan)

    XCTAssertEqual(root.value("/proc/sys/kernel/panic_on_oops"), "1")
    XCTAssertEqual(loader.loads.count, 1)
    XCTAssertEqual(loader.loads.first?.kernel, root.resolve("/boot/vmlinuz-6.1.0-26-amd64"))
    XCTAssertEqual(loader.loads.first?.commandLine.hasSuffix("reset_devices panic=10"), true)
    let record = try XCTUnwrap(root.text(ArmRecord.path).flatMap(ArmRecord.init(parsing:)))
    XCTAssertEqual(record.commandLine, plan.load?.commandLine)
    XCTAssertEqual(record.kernelSize, 32)
    let after = Readiness.check(SystemState(root: root))
    XCTAssertTrue(after.ready, "\(after.findings.filter { $0.severity == .impossible })")
    XCTAssertTrue(after.findings.contains { $0.check == "capture.cmdline" && $0.passed })
    XCTAssertNil(after.findings.first { $0.check == "kernel.panic_on_oops" && !$0.passed })

    try Arming(root: root, loader: loader).disarm()
    XCTAssertEqual(loader.unloads, 1)
    XCTAssertFalse(root.exists(ArmRecord.path))
  }

  func testCustomProfileSetsOnlyWhatItIsGiven() throws {
    let root = try FixtureTree.machine("detectors-warn-only")
    defer { FixtureTree.remove(root) }
    let plan = try ArmPlan(
      ArmPlan.Request(profile: nil, settings: ["kernel.panic_on_warn": "1"], loadKernel: false),
      state: SystemState(root: root))
    XCTAssertEqual(plan.writes.map(\.path), ["/proc/sys/kernel/panic_on_warn"])
    XCTAssertNil(plan.load)
    XCTAssertThrowsError(
      try ArmPlan(
        ArmPlan.Request(profile: nil, settings: ["kernel.no_such_knob": "1"], loadKernel: false),
        state: SystemState(root: root))
    ) { XCTAssertTrue("\($0)".contains("/proc/sys/kernel/no_such_knob"), "\($0)") }
  }

  func testPostNotifiersAreTurnedOnWhenPstoreHasABackend() throws {
    let root = try FixtureTree.machine("pstore-full-no-post-notifiers")
    defer { FixtureTree.remove(root) }
    let plan = try ArmPlan(
      ArmPlan.Request(profile: .production, loadKernel: false), state: SystemState(root: root))
    XCTAssertEqual(plan.writes.last?.path, "/sys/module/kernel/parameters/crash_kexec_post_notifiers")
    XCTAssertEqual(plan.writes.last?.to, "Y")
  }

  func testMissingKernelIsAPlanError() throws {
    let root = try FixtureTree.machine()
    defer { FixtureTree.remove(root) }
    XCTAssertThrowsError(
      try ArmPlan(ArmPlan.Request(profile: .production, kernel: "/boot/nope"), state: SystemState(root: root))
    ) { XCTAssertTrue("\($0)".contains("/boot/nope does not exist"), "\($0)") }
  }

  func testLoadErrorsNameTheirCause() throws {
    let root = try FixtureTree.machine()
    defer { FixtureTree.remove(root) }
    func cause(_ errno: Int32, image: UInt64? = nil) -> String {
      KexecLoadError(operation: .load, errno: errno).diagnose(root, imageBytes: image).cause ?? ""
    }
    XCTAssertTrue(cause(EADDRNOTAVAIL, image: 600 << 20).contains("too large"), cause(EADDRNOTAVAIL))
    XCTAssertTrue(cause(EADDRNOTAVAIL, image: 600 << 20).contains("600 MiB"))
    XCTAssertTrue(cause(EKEYREJECTED).contains("signature"))
    XCTAssertTrue(cause(EPERM).contains("CAP_SYS_BOOT"))

    try root.write("none [integrity] confidentiality", to: "/sys/kernel/security/lockdown")
    XCTAssertTrue(cause(EPERM).contains("locked down (integrity)"), cause(EPERM))
    try root.write("1", to: "/proc/sys/kernel/kexec_load_disabled")
    XCTAssertTrue(cause(EPERM).contains("kexec_load_disabled"))
    try root.write("0", to: "/sys/kernel/kexec_crash_size")
    XCTAssertTrue(cause(ENOMEM).contains("no memory is reserved"), cause(ENOMEM))
    XCTAssertTrue(cause(EINVAL).contains("no memory is reserved"))
  }

  func testFailedLoadIsDiagnosedAndRecordsNothing() throws {
    let root = try FixtureTree.machine("capture-kernel-not-loaded")
    defer { FixtureTree.remove(root) }
    root.remove(ArmRecord.path)
    let plan = try ArmPlan(ArmPlan.Request(profile: .production), state: SystemState(root: root))
    XCTAssertThrowsError(
      try Arming(root: root, loader: FakeLoader(root: root, failure: EADDRNOTAVAIL)).apply(plan)
    ) {
      XCTAssertTrue("\($0)".contains("too large for the reservation"), "\($0)")
    }
    XCTAssertFalse(root.exists(ArmRecord.path))
  }

  func testOpeningAMissingImageFailsBeforeTheSystemCall() {
    XCTAssertThrowsError(
      try KexecFileLoad.loadCrashKernel(kernel: "/nonexistent/vmlinuz", initrd: nil, commandLine: "x")
    ) { error in
      XCTAssertEqual((error as? KexecLoadError)?.operation, .open("/nonexistent/vmlinuz"))
      XCTAssertEqual((error as? KexecLoadError)?.errno, ENOENT)
    }
  }
}

final class ArmRefusedWriteTests: XCTestCase {
  func testARefusedWriteDoesNotStopTheLoad() throws {
    let root = try FixtureTree.machine("capture-kernel-not-loaded")
    defer { FixtureTree.remove(root) }
    try root.write("0", to: "/proc/sys/kernel/nmi_watchdog")
    let plan = try ArmPlan(ArmPlan.Request(profile: .production), state: SystemState(root: root))
    XCTAssertEqual(plan.writes.map(\.name), ["kernel.nmi_watchdog"])
    // A directory where the sysctl file was: open(2) for writing fails as the kernel would.
    root.remove("/proc/sys/kernel/nmi_watchdog")
    XCTAssertEqual(mkdir(root.resolve("/proc/sys/kernel/nmi_watchdog"), 0o755), 0)
    let loader = FakeLoader(root: root)
    let refused = try Arming(root: root, loader: loader).apply(plan)
    XCTAssertEqual(refused.map(\.path), ["/proc/sys/kernel/nmi_watchdog"])
    XCTAssertEqual(refused.first?.errno, EISDIR)
    XCTAssertEqual(loader.loads.count, 1)
    XCTAssertTrue(
      SystemWriteError(path: "/proc/sys/kernel/nmi_watchdog", value: "1", errno: 524).description.contains(
        "ENOTSUPP"))
  }
}
