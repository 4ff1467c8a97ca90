import Foundation
import XCTest

@testable import Capture

/// `doctor/lab-guest-6.1` is not an overlay: it is the whole tree `coroner doctor
/// --save-tree` wrote inside a fresh crash-lab guest (Debian 6.1, 768 MiB, crashkernel=256M,
/// before `coroner arm`), saved by `coroner lab run panic --arm-with coroner
/// --save-doctor-tree`. Its kernel config keeps only the options the checks read; the
/// doctor's JSON over the trimmed and the full tree was the same.
final class LabGuestTreeTests: XCTestCase {
  func report(_ root: SystemRoot, profile: PanicProfile) -> ReadinessReport {
    Readiness.check(SystemState(root: root, dumpDirectory: "/var/crash"), profile: profile)
  }

  func finding(_ report: ReadinessReport, _ check: String) throws -> Finding {
    try XCTUnwrap(report.findings.first { $0.check == check }, "no \(check) finding")
  }

  func testFreshLabGuestIsNotReadyForLackOfACaptureKernel() throws {
    let report = report(SystemRoot(FixtureTree.path("doctor/lab-guest-6.1")), profile: .lab)
    XCTAssertFalse(report.ready)
    let impossible = report.findings.filter { $0.severity == .impossible }.map(\.check)
    XCTAssertEqual(impossible, ["capture.loaded"])
    XCTAssertNil(try finding(report, "kernel.kdump").severity)
    let reserved = try finding(report, "crashkernel.reserved")
    XCTAssertNil(reserved.severity)
    XCTAssertTrue(reserved.summary.contains("256 MiB"), reserved.summary)
    XCTAssertNil(try finding(report, "dump.space").severity)
    // TCG has no PMU, so the lab's guests run without the NMI watchdog.
    XCTAssertEqual(try finding(report, "kernel.nmi_watchdog").severity, .degraded)
    XCTAssertEqual(try finding(report, "kernel.panic_on_oops").severity, .degraded)
  }

  /// The same guest with a capture kernel loaded (what `coroner arm` changes in
  /// /sys/kernel/kexec_crash_loaded): nothing makes the capture impossible any more.
  func testLoadingACaptureKernelLeavesNothingImpossible() throws {
    let manager = FileManager.default
    let copy = manager.temporaryDirectory.appendingPathComponent("coroner-lab-tree-\(UUID().uuidString)")
    try manager.copyItem(atPath: FixtureTree.path("doctor/lab-guest-6.1"), toPath: copy.path)
    defer { try? manager.removeItem(at: copy) }
    try Data("1\n".utf8).write(to: copy.appendingPathComponent("sys/kernel/kexec_crash_loaded"))
    let report = report(SystemRoot(copy.path), profile: .production)
    XCTAssertNil(try finding(report, "capture.loaded").severity)
    XCTAssertEqual(report.findings.filter { $0.severity == .impossible }.map(\.check), [])
  }
}
