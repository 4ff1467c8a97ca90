import Foundation
import TestSupport
import XCTest

@testable import Lab

/// Extracting chosen files of a `.deb` built here with dpkg-deb, the way the debug
/// package's System.map and vmlinux are taken out of a 1 GB archive.
final class DebExtractionTests: XCTestCase {
  /// Builds a package holding `files` (path under the root to contents).
  func package(_ files: [String: String], in folder: URL) throws -> URL {
    let tree = folder.appendingPathComponent("tree")
    let control = tree.appendingPathComponent("DEBIAN")
    try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
    try """
    Package: coroner-test-dbg
    Version: 1.0
    Architecture: all
    Maintainer: Coroner <coroner@example.org>
    Description: a test package

    """.write(to: control.appendingPathComponent("control"), atomically: true, encoding: .utf8)
    for (path, text) in files {
      let url = tree.appendingPathComponent(path)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
    }
    let deb = folder.appendingPathComponent("coroner-test-dbg_1.0_all.deb")
    try ToolRun.output("dpkg-deb", ["--root-owner-group", "-b", tree.path, deb.path])
    return deb
  }

  func testOnlyTheNamedFilesAreExtracted() throws {
    let folder = try temporaryFolder()
    let map = "ffffffff81000000 T _stext\n"
    let deb = try package(
      [
        "usr/lib/debug/boot/System.map-6.12.0-test": map,
        "usr/lib/debug/boot/vmlinux-6.12.0-test": "not an ELF",
        "usr/lib/debug/lib/modules/6.12.0-test/kernel/fs/ext4/ext4.ko": "module",
      ], in: folder)
    let out = folder.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try DebExtraction.extract(["usr/lib/debug/boot/System.map-6.12.0-test"], from: deb, into: out)
    let extracted = out.appendingPathComponent("usr/lib/debug/boot/System.map-6.12.0-test")
    XCTAssertEqual(try String(contentsOf: extracted, encoding: .utf8), map)
    let boot = try FileManager.default.contentsOfDirectory(
      atPath: out.appendingPathComponent("usr/lib/debug/boot").path)
    XCTAssertEqual(boot, ["System.map-6.12.0-test"])
    XCTAssertFalse(
      FileManager.default.fileExists(atPath: out.appendingPathComponent("usr/lib/debug/lib").path))
  }

  func testAMissingMemberIsAnError() throws {
    let folder = try temporaryFolder()
    let deb = try package(["usr/lib/debug/boot/System.map-6.12.0-test": "x\n"], in: folder)
    XCTAssertThrowsError(
      try DebExtraction.extract(["usr/lib/debug/boot/vmlinux-6.12.0-test"], from: deb, into: folder)
    ) { error in
      guard case LabError.commandFailed(_, let status, let output) = error else {
        return XCTFail("expected commandFailed, got \(error)")
      }
      XCTAssertNotEqual(status, 0)
      XCTAssertTrue(output.contains("vmlinux-6.12.0-test"), output)
    }
  }
}
