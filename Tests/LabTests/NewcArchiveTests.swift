import Foundation
import TestSupport
import XCTest

@testable import Lab

final class NewcArchiveTests: XCTestCase {
  /// The archive, unpacked by GNU cpio, gives back the same tree: folders, file bytes,
  /// permissions and symlinks.
  func testArchiveUnpacksWithCpioToTheSameTree() throws {
    _ = try ToolRun.require("cpio")
    var tree = InitramfsTree()
    let binary = Data((0..<1031).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    tree.addFile("init", contents: Data("#!/bin/sh\necho hi\n".utf8), permissions: 0o755)
    tree.addFile("lib/modules/virtio.ko", contents: binary)
    tree.addFile("etc/empty", contents: Data())
    tree.addFile("a/b/c/odd", contents: Data("xyz".utf8), permissions: 0o600)
    tree.addDirectory("proc")
    tree.addSymlink("bin/sh", target: "busybox")

    let folder = try temporaryFolder()
    let archive = folder.appendingPathComponent("initramfs.cpio")
    try tree.archive().write(to: archive)
    let unpacked = folder.appendingPathComponent("root")
    try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
    try ToolRun.output(
      "cpio", ["-i", "-d", "--quiet", "--no-absolute-filenames"], input: try Data(contentsOf: archive),
      in: unpacked)

    XCTAssertEqual(try Data(contentsOf: unpacked.appendingPathComponent("lib/modules/virtio.ko")), binary)
    XCTAssertEqual(try Data(contentsOf: unpacked.appendingPathComponent("etc/empty")), Data())
    XCTAssertEqual(
      try String(contentsOf: unpacked.appendingPathComponent("a/b/c/odd"), encoding: .utf8), "xyz")
    XCTAssertEqual(try permissions(unpacked.appendingPathComponent("init")), 0o755)
    XCTAssertEqual(try permissions(unpacked.appendingPathComponent("a/b/c/odd")), 0o600)
    var isDirectory: ObjCBool = false
    XCTAssertTrue(
      FileManager.default.fileExists(
        atPath: unpacked.appendingPathComponent("proc").path, isDirectory: &isDirectory))
    XCTAssertTrue(isDirectory.boolValue)
    XCTAssertEqual(
      try FileManager.default.destinationOfSymbolicLink(
        atPath: unpacked.appendingPathComponent("bin/sh").path),
      "busybox")
    let listed = String(
      decoding: try ToolRun.output("cpio", ["-t", "--quiet"], input: try Data(contentsOf: archive)),
      as: UTF8.self)
    XCTAssertEqual(
      Set(listed.split(separator: "\n").map(String.init)),
      [
        "init", "lib", "lib/modules", "lib/modules/virtio.ko", "etc", "etc/empty", "a", "a/b", "a/b/c",
        "a/b/c/odd", "proc", "bin", "bin/sh",
      ])
  }

  /// Every header and every file body starts on a 4-byte boundary, and the archive ends
  /// with the trailer entry (buffer-format.rst).
  func testLayoutIsAlignedAndEndsWithTrailer() {
    var archive = NewcArchive()
    archive.appendFile("x", contents: Data([1, 2, 3]))
    archive.appendDirectory("dir")
    let data = archive.finish()
    XCTAssertEqual(data.count % 4, 0)
    let text = String(decoding: data, as: UTF8.self)
    XCTAssertTrue(text.hasPrefix("070701"))
    XCTAssertTrue(text.contains("TRAILER!!!"))
    // First header: 110 bytes, name "x\0" -> padded to 112, body 3 bytes -> padded to 116.
    XCTAssertEqual(String(decoding: data[116..<122], as: UTF8.self), "070701")
    // The file size field (7th field) of the first entry says 3.
    XCTAssertEqual(String(decoding: data[54..<62], as: UTF8.self), "00000003")
  }

  func testParentsComeBeforeChildren() {
    var tree = InitramfsTree()
    tree.addFile("usr/lib/x/y.so", contents: Data())
    XCTAssertEqual(tree.entries.map(\.path), ["usr", "usr/lib", "usr/lib/x", "usr/lib/x/y.so"])
  }

  private func permissions(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
  }
}

extension XCTestCase {
  /// A fresh folder removed when the test ends.
  func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
    return folder
  }
}
