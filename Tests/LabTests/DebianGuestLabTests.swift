import Examine
import Foundation
import TestSupport
import XCTest

@testable import Lab

/// Coroner as a Debian administrator installs it: its packages (built here by
/// scripts/package-deb) in a real bookworm system with systemd and kdump-tools, through a whole
/// crash cycle (`KdumpToolsCycle`). Skipped with CORONER_LAB_TESTS=0.
final class DebianGuestLabTests: XCTestCase {
  func testKdumpToolsCapturesThroughCoronerAndPstoreKeepsThePanic() throws {
    try LabGate.require()
    let started = Date()
    let (guest, built) = try LabCache().debianGuest()
    guard let checkout = GuestCoroner.packageRoot() else {
      throw TestInput.missing(
        "a package checkout beside the sources to build the packages from",
        makeWith: "swift test in a checkout of the package")
    }
    let out = try temporaryFolder()
    let packagesStarted = Date()
    // lintian (installed by scripts/install-prerequisites) checks both packages on the
    // way: errors fail the packaging; on the gzip -1 packages it takes about 15 s.
    let debs = try CoronerPackages.build(package: checkout, out: out.appendingPathComponent("debs"))
    let packageSeconds = Date().timeIntervalSince(packagesStarted)
    var cycle = KdumpToolsCycle(guest: guest, debs: debs, out: out)
    cycle.accelerator = LabBootTests.accelerator
    cycle.timeoutScale = 2
    let result = try cycle.run()
    print(
      String(
        format:
          "debian guest %@ (%@): root %@ (%.1f s), packages %.1f s, disk %.1f s, boot to sysrq-c %.1f s, "
          + "to the dump saved %.1f s, QEMU %.1f s, whole test %.1f s",
        guest.release, guest.versions["kdump-tools"] ?? "?", built ? "made" : "cached", guest.buildSeconds,
        packageSeconds, result.diskSeconds, result.bootSeconds, result.captureSeconds, result.totalSeconds,
        Date().timeIntervalSince(started)))

    // Before kdump-tools.service: not ready, for want of a capture kernel.
    XCTAssertEqual(result.doctorBefore.exitStatus, 1, result.doctorBefore.text)
    let before = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(result.doctorBefore.text.utf8)) as? [String: Any])
    XCTAssertEqual(before["ready"] as? Bool, false)
    let findings = try XCTUnwrap(before["findings"] as? [[String: Any]])
    let loaded = try XCTUnwrap(findings.first { $0["check"] as? String == "capture.loaded" })
    XCTAssertEqual(loaded["status"] as? String, "impossible")
    // After it: ready.
    XCTAssertEqual(result.doctorAfter.exitStatus, 0, result.doctorAfter.text)
    XCTAssertTrue(
      result.doctorAfter.text.contains("ready: a crash now would be captured"), result.doctorAfter.text)

    // kdump-tools ran its makedumpfile, which is Coroner's, and kept its dump.
    XCTAssertTrue(result.console.contains("Kernel panic - not syncing: sysrq triggered crash"))
    XCTAssertTrue(result.console.contains("running makedumpfile -F"), "kdump-tools ran makedumpfile")
    XCTAssertFalse(result.console.contains("makedumpfile failed"), "kdump-tools fell back to cp")
    XCTAssertTrue(result.console.contains("kdump-tools: saved vmcore in"))
    let examination = try Examiner().examine(path: result.dump.path)
    let report = try XCTUnwrap(examination.reports.first, "examine finds the crash in \(result.dump.path)")
    XCTAssertTrue(report.title.contains("sysrq triggered crash"), report.title)
    XCTAssertEqual(report.kernel?.release, guest.release)

    // The boot after: coroner-pstore.service saved the ramoops record and examined it.
    let pstore = try XCTUnwrap(result.pstoreFolders.first, "coroner-pstore.service saved a record")
    XCTAssertEqual(result.bootIDs.count, 2, "two normal boots: \(result.bootIDs)")
    XCTAssertEqual(
      pstore.deletingLastPathComponent().lastPathComponent, result.bootIDs.last,
      "harvested by the boot after the crash, not by the capture kernel")
    let recovered = try Examiner().examine(path: pstore.path)
    XCTAssertTrue(
      recovered.reports.contains { $0.title.contains("sysrq triggered crash") },
      recovered.reports.map(\.title).joined(separator: "; "))
    let examined = try String(contentsOf: pstore.appendingPathComponent("examine.txt"), encoding: .utf8)
    XCTAssertTrue(examined.contains("sysrq triggered crash"), examined)
  }
}
