import Foundation
import XCTest

@testable import Capture

#if canImport(Glibc)
  import Glibc
#endif

/// Trees that are not what they seem: `doctor --root` and pstore read a captured tree
/// whose links point out of it, whose files are FIFOs, and whose records are far larger
/// than any backend stores. No read leaves the tree, blocks, or loses data quietly.
final class HostileTreeTests: XCTestCase {
  var scratch: String!

  override func setUpWithError() throws {
    scratch = NSTemporaryDirectory() + "hostile-tree-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch + "/root/etc", withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: scratch)
  }

  func link(_ name: String, to target: String) throws {
    let path = scratch + "/root" + name
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    XCTAssertEqual(symlink(target, path), 0, "symlink \(path)")
  }

  /// Every link below is resolved inside the tree as the captured machine would: an
  /// absolute target starts at the tree's root, `..` stops there, and a loop is absent.
  func testLinksNeverLeaveTheRoot() throws {
    let outside = scratch + "/outside"
    FileManager.default.createFile(atPath: outside, contents: Data("host file\n".utf8))
    FileManager.default.createFile(atPath: scratch + "/root/etc/inside", contents: Data("tree file\n".utf8))
    try link("/proc/cmdline", to: outside)
    try link("/proc/sys/kernel/panic", to: "../../../../../../../../.." + outside)
    try link("/proc/iomem", to: "/etc/inside")
    try link("/proc/relative", to: "../etc/inside")
    try link("/proc/up", to: "../../../../etc/inside")
    try link("/proc/a", to: "b")
    try link("/proc/b", to: "a")
    try link("/proc/dir", to: (scratch as NSString).deletingLastPathComponent)
    let root = SystemRoot(scratch + "/root")
    XCTAssertNil(root.value("/proc/cmdline"))
    XCTAssertNil(root.value("/proc/sys/kernel/panic"))
    XCTAssertEqual(root.value("/proc/iomem"), "tree file")
    XCTAssertEqual(root.value("/proc/relative"), "tree file")
    XCTAssertEqual(root.value("/proc/up"), "tree file")
    XCTAssertNil(root.value("/proc/a"))
    XCTAssertTrue(root.list("/proc/dir").isEmpty)
    for path in ["/proc/cmdline", "/proc/sys/kernel/panic", "/proc/a", "/proc/dir/x"] {
      XCTAssertTrue(root.resolve(path).hasPrefix(scratch + "/root/"), root.resolve(path))
    }
  }

  /// A FIFO with no writer, where a file was expected, reads as unreadable at once.
  func testFifoIsUnreadableNotABlock() throws {
    try FileManager.default.createDirectory(atPath: scratch + "/root/proc", withIntermediateDirectories: true)
    XCTAssertEqual(mkfifo(scratch + "/root/proc/cmdline", 0o600), 0)
    let root = SystemRoot(scratch + "/root")
    XCTAssertNil(root.bytes("/proc/cmdline"))
    XCTAssertTrue(root.exists("/proc/cmdline"))

    let pstore = scratch + "/pstore"
    try FileManager.default.createDirectory(atPath: pstore, withIntermediateDirectories: true)
    XCTAssertEqual(mkfifo(pstore + "/dmesg-ramoops-0", 0o600), 0)
    XCTAssertThrowsError(try PstoreHarvest(from: pstore)) { error in
      XCTAssertEqual((error as? PstoreHarvest.HarvestError)?.path, pstore + "/dmesg-ramoops-0")
    }
  }

  /// A record larger than any backend's is harvested cut, says so in its note and the
  /// manifest, and stays in pstore: removing it would lose what was cut.
  func testOversizedRecordIsCutAndKept() throws {
    let pstore = scratch + "/pstore"
    try FileManager.default.createDirectory(atPath: pstore, withIntermediateDirectories: true)
    var big = Array("Panic#1 Part1\n".utf8)
    big += [UInt8](repeating: UInt8(ascii: "x"), count: PstoreHarvest.recordLimit + 4096)
    FileManager.default.createFile(atPath: pstore + "/dmesg-ramoops-0", contents: Data(big))
    FileManager.default.createFile(
      atPath: pstore + "/dmesg-ramoops-1", contents: Data("Oops#2 Part1\nsmall\n".utf8))
    let harvest = try PstoreHarvest(from: pstore)
    XCTAssertEqual(harvest.cutRecords, ["dmesg-ramoops-0"])
    let outputs = harvest.boots.flatMap(\.outputs)
    let cut = try XCTUnwrap(outputs.first { $0.sources == ["dmesg-ramoops-0"] })
    XCTAssertEqual(cut.bytes.count, PstoreHarvest.recordLimit)
    XCTAssertTrue(cut.note?.hasPrefix("cut: the record holds more than 64 MiB") == true, "\(cut.note ?? "")")

    let folders = try harvest.write(to: scratch + "/out")
    try harvest.flush(folders: folders)
    let kept = try harvest.removeSavedRecords(from: pstore)
    XCTAssertEqual(kept, ["dmesg-ramoops-0"])
    XCTAssertTrue(FileManager.default.fileExists(atPath: pstore + "/dmesg-ramoops-0"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: pstore + "/dmesg-ramoops-1"))
    let manifest = try String(contentsOfFile: folders[0] + "/manifest.txt", encoding: .utf8)
    XCTAssertTrue(manifest.contains("dmesg-ramoops-0 (cut: "), manifest)
  }
}
