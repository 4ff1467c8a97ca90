import XCTest

@testable import Symbols

final class DebugFileLocatorTests: XCTestCase {
  func testDebianAndBuildIDLayoutsWithTheBuildIDChecked() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-debug-\(getpid())")
    defer { try? FileManager.default.removeItem(at: root) }
    let binary = try Fixtures.path("gcc-dwarf5")
    let id = try XCTUnwrap(ElfFile(path: binary).buildID())
    let locator = DebugFileLocator(debugDirectory: root.path)
    XCTAssertNil(try locator.findVmlinux(release: "6.1.0-56-amd64", buildID: nil))

    // Debian: /usr/lib/debug/boot/vmlinux-RELEASE.
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("boot"), withIntermediateDirectories: true)
    let boot = root.appendingPathComponent("boot/vmlinux-6.1.0-56-amd64").path
    try FileManager.default.copyItem(atPath: binary, toPath: boot)
    XCTAssertEqual(try locator.findVmlinux(release: "6.1.0-56-amd64", buildID: nil), boot)
    XCTAssertEqual(try locator.findVmlinux(release: "6.1.0-56-amd64", buildID: id.uppercased()), boot)
    XCTAssertNil(
      try locator.findVmlinux(release: "6.1.0-56-amd64", buildID: String(repeating: "0", count: 40)))

    // The build-id tree comes first.
    let buildIDDirectory = root.appendingPathComponent(".build-id/\(id.prefix(2))")
    try FileManager.default.createDirectory(at: buildIDDirectory, withIntermediateDirectories: true)
    let byID = buildIDDirectory.appendingPathComponent("\(id.dropFirst(2)).debug").path
    try FileManager.default.copyItem(atPath: binary, toPath: byID)
    XCTAssertEqual(try locator.findVmlinux(release: nil, buildID: id), byID)
    XCTAssertEqual(locator.vmlinuxCandidates(release: "r", buildID: id).first, byID)
  }
}
