import Foundation
import KernelLog
import TestSupport
import XCTest

@testable import Lab

/// Issue 5 in the lab: `coroner` itself runs inside the guests. One guest is armed by
/// `coroner arm` (no kexec-tools) and its panic is captured by kdump, with `coroner doctor`
/// saying not ready before and ready after; another keeps its panic's log in ramoops over a
/// reset, and `coroner pstore` in the next boot recovers it. Skipped with CORONER_LAB_TESTS=0.
final class CoronerLabTests: XCTestCase {
  func testCoronerArmsTheGuestAndItsPanicIsCaptured() throws {
    let tree = try LabBootTests.kernel(.v6_1)
    let coroner = try Self.guestCoroner()
    let scenario = try ScenarioCatalogue.named("panic")
    let out = try temporaryFolder()
    let request = LabRunRequest(
      scenario: scenario, kernel: tree, capture: .kdump, out: out, accelerator: LabBootTests.accelerator,
      timeoutScale: 2, guestCoroner: coroner)
    let scene = try LabRunner().run(request)
    let vmcore = out.appendingPathComponent(scene.vmcore)
    defer { try? FileManager.default.removeItem(at: vmcore) }
    let console = try String(contentsOf: out.appendingPathComponent("console.log"), encoding: .utf8)

    // Before arming: not ready, and the missing capture kernel is named as fatal.
    let before = try XCTUnwrap(GuestReport.find("doctor-before", in: console), "doctor ran before arm")
    XCTAssertEqual(before.exitStatus, 1, before.text)
    let document = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(before.text.utf8)) as? [String: Any])
    XCTAssertEqual(document["ready"] as? Bool, false)
    let findings = try XCTUnwrap(document["findings"] as? [[String: Any]])
    let loaded = try XCTUnwrap(findings.first { $0["check"] as? String == "capture.loaded" })
    XCTAssertEqual(loaded["status"] as? String, "impossible")
    let reserved = try XCTUnwrap(findings.first { $0["check"] as? String == "crashkernel.reserved" })
    XCTAssertEqual(reserved["status"] as? String, "ok", "crashkernel=256M was reserved")

    let arm = try XCTUnwrap(GuestReport.find("arm", in: console), "coroner arm ran")
    XCTAssertEqual(arm.exitStatus, 0, arm.text)
    XCTAssertTrue(arm.text.contains("kexec_file_load"), arm.text)
    XCTAssertTrue(console.contains("coroner-lab: kdump loaded 1"))

    // After arming: ready, exit 0.
    let after = try XCTUnwrap(GuestReport.find("doctor-after", in: console), "doctor ran after arm")
    XCTAssertEqual(after.exitStatus, 0, after.text)
    XCTAssertTrue(after.text.contains("ready: a crash now would be captured"), after.text)

    XCTAssertTrue(console.contains(scenario.marker), "console.log shows \(scenario.marker)")
    XCTAssertTrue(console.contains("coroner-lab: capture kernel up"), "the capture kernel booted")
    let notes = try VmcoreNotes(path: vmcore.path)
    let info = try XCTUnwrap(notes.vmcoreinfo, "the vmcore has a VMCOREINFO note")
    XCTAssertTrue(info.contains("OSRELEASE=\(tree.release)"), "VMCOREINFO names \(tree.release)")
  }

  func testPstoreRoundTripRecoversThePanic() throws {
    let tree = try LabBootTests.kernel(.v6_1)
    let coroner = try Self.guestCoroner()
    let scenario = try ScenarioCatalogue.named("panic")
    let out = try temporaryFolder()
    var trip = PstoreRoundTrip(scenario: scenario, kernel: tree, coroner: coroner, out: out)
    trip.accelerator = LabBootTests.accelerator
    trip.timeoutScale = 2
    let result = try trip.run()

    let console = try String(contentsOf: out.appendingPathComponent("console.log"), encoding: .utf8)
    XCTAssertTrue(console.contains(scenario.marker), "the first boot panicked")
    XCTAssertTrue(
      console.contains("coroner-lab: pstore holds dmesg-ramoops-"), "the second boot found records")
    XCTAssertTrue(result.recoveredLog.contains(scenario.marker), result.recoveredLog)

    // What `coroner examine` does with the recovered log.
    let reports = CrashReportParser().reports(inLog: Array(result.recoveredLog.utf8), evidenceKind: "pstore")
    let report = try XCTUnwrap(reports.first, "the parser finds a crash in the recovered log")
    XCTAssertTrue(report.panicked, report.title)
    XCTAssertTrue(report.title.contains("sysrq triggered crash"), report.title)
  }

  // MARK: - The guest's coroner, built once per test process

  nonisolated(unsafe) private static var built: [GuestCoroner.Product: Result<GuestCoroner, Error>] = [:]

  static func guestCoroner(product: GuestCoroner.Product = .coroner) throws -> GuestCoroner {
    if built[product] == nil {
      built[product] = Result {
        guard let package = GuestCoroner.packageRoot() else {
          throw TestInput.missing(
            "a package checkout beside the sources to build the guest's coroner from",
            makeWith: "swift test in a checkout of the package")
        }
        return try GuestCoroner.build(package: package, product: product)
      }
    }
    return try XCTUnwrap(built[product]).get()
  }
}
