import Foundation
import XCTest

@testable import Capture

final class PstoreTests: XCTestCase {
  var scratch: URL!

  override func setUpWithError() throws {
    scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-pstore-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: scratch)
  }

  /// A writable copy of a fixture pstore directory.
  func pstore(_ name: String) throws -> String {
    let copy = scratch.appendingPathComponent("pstore")
    try FileManager.default.copyItem(atPath: FixtureTree.path("pstore/\(name)"), toPath: copy.path)
    return copy.path
  }

  func contents(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
  }

  func testRecordNames() throws {
    let plain = try XCTUnwrap(PstoreRecord(fileName: "dmesg-ramoops-12"))
    XCTAssertEqual([plain.type, plain.backend], ["dmesg", "ramoops"])
    XCTAssertEqual(plain.id, 12)
    XCTAssertFalse(plain.compressed)
    let efi = try XCTUnwrap(PstoreRecord(fileName: "dmesg-efi-176419620002001.enc.z"))
    XCTAssertTrue(efi.compressed)
    XCTAssertEqual(efi.efiIdentity?.timestamp, 1_764_196_200)
    XCTAssertEqual(efi.efiIdentity?.part, 2)
    XCTAssertEqual(efi.efiIdentity?.count, 1)
    let ofw = try XCTUnwrap(PstoreRecord(fileName: "powerpc-ofw-nvram-0"))
    XCTAssertEqual([ofw.type, ofw.backend], ["powerpc-ofw", "nvram"])
    XCTAssertEqual(PstoreRecord(fileName: "dmesg-efi_pstore-7")?.backend, "efi_pstore")
    XCTAssertNil(PstoreRecord(fileName: "README"))
    XCTAssertNil(PstoreRecord(fileName: "dmesg-ramoops-x"))
  }

  func testKmsgDumpHeader() {
    let split = KmsgDumpHeader.split("Oops#3 Part12\n<1>[ 1.0] BUG\n")
    XCTAssertEqual(split?.header, KmsgDumpHeader(reason: "Oops", count: 3, part: 12))
    XCTAssertEqual(split?.body, "<1>[ 1.0] BUG\n")
    XCTAssertNil(KmsgDumpHeader.split("<1>[ 1.0] BUG\n"))
    XCTAssertNil(KmsgDumpHeader.split("Oops#x Part1\n"))
  }

  func testRamoopsPartsAreJoinedOldestTextFirstAndRemoved() throws {
    let from = try pstore("ramoops")
    let harvest = try PstoreHarvest(from: from)
    let folders = try harvest.write(to: scratch.appendingPathComponent("out").path)
    try harvest.removeRecords(from: from)

    XCTAssertEqual(folders.count, 1, "one boot: Oops#1 then Panic#2")
    let folder = folders[0]
    XCTAssertEqual(
      try contents("\(folder)/dmesg-2-panic.txt"), try contents(FixtureTree.path("pstore/expected-panic.txt"))
    )
    XCTAssertTrue(
      try contents("\(folder)/dmesg-1-oops.txt").hasPrefix("<1>[    9.000000] BUG: kernel NULL pointer"))
    XCTAssertEqual(
      try contents("\(folder)/console-ramoops-0.txt"),
      try contents(FixtureTree.path("pstore/ramoops/console-ramoops-0")))
    XCTAssertEqual(
      FileManager.default.contents(atPath: "\(folder)/pmsg-ramoops-0"),
      FileManager.default.contents(atPath: FixtureTree.path("pstore/ramoops/pmsg-ramoops-0")))
    XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/ftrace-ramoops-0.txt"))
    XCTAssertTrue(
      try contents("\(folder)/manifest.txt").contains(
        "dmesg-2-panic.txt: dmesg-ramoops-3 dmesg-ramoops-2 dmesg-ramoops-1"))
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: from), [".keep-unrelated"])
    XCTAssertEqual(harvest.unrecognized, [".keep-unrelated"])
  }

  func testKeepLeavesTheRecords() throws {
    let from = try pstore("ramoops")
    let before = try FileManager.default.contentsOfDirectory(atPath: from).sorted()
    _ = try PstoreHarvest(from: from).write(to: scratch.appendingPathComponent("out").path)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: from).sorted(), before)
  }

  func testCompressedEfiRecordsAreInflatedAndJoined() throws {
    let from = try pstore("efi")
    let harvest = try PstoreHarvest(from: from)
    let outputs = try XCTUnwrap(harvest.boots.first?.outputs)
    let panic = try XCTUnwrap(outputs.first { $0.name == "dmesg-1-panic.txt" })
    XCTAssertEqual(
      String(decoding: panic.bytes, as: UTF8.self),
      try contents(FixtureTree.path("pstore/expected-panic.txt")))
    XCTAssertEqual(panic.sources, ["dmesg-efi-176419620002001.enc.z", "dmesg-efi-176419620001001.enc.z"])
    let opaque = try XCTUnwrap(outputs.first { $0.name == "dmesg-efi-176419620001002.enc.z" })
    XCTAssertEqual(opaque.note, "not deflate: kept compressed as the kernel left it")
    XCTAssertEqual(
      Data(opaque.bytes), FileManager.default.contents(atPath: "\(from)/dmesg-efi-176419620001002.enc.z"))
  }

  func testACountThatStartsOverIsAnotherBoot() throws {
    let from = scratch.appendingPathComponent("two-boots")
    try FileManager.default.createDirectory(at: from, withIntermediateDirectories: true)
    let records = [
      ("dmesg-ramoops-0", "Panic#1 Part1\nfirst boot\n", 1_700_000_000),
      ("dmesg-ramoops-1", "Oops#1 Part1\nsecond boot\n", 1_700_000_600),
    ]
    for (name, text, time) in records {
      let path = from.appendingPathComponent(name).path
      try text.write(toFile: path, atomically: false, encoding: .utf8)
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: TimeInterval(time))], ofItemAtPath: path)
    }
    let harvest = try PstoreHarvest(from: from.path)
    XCTAssertEqual(
      harvest.boots.map { $0.outputs.map(\.name) }, [["dmesg-1-panic.txt"], ["dmesg-1-oops.txt"]])
    let folders = try harvest.write(to: scratch.appendingPathComponent("out").path)
    XCTAssertEqual(
      folders.map { ($0 as NSString).lastPathComponent },
      ["pstore-20231114-221320", "pstore-20231114-222320"])
  }

  func testMissingPartsAreNoted() throws {
    let from = scratch.appendingPathComponent("holes")
    try FileManager.default.createDirectory(at: from, withIntermediateDirectories: true)
    try "Panic#1 Part1\nend\n".write(
      toFile: from.appendingPathComponent("dmesg-ramoops-0").path, atomically: false, encoding: .utf8)
    try "Panic#1 Part3\nstart\n".write(
      toFile: from.appendingPathComponent("dmesg-ramoops-1").path, atomically: false, encoding: .utf8)
    let output = try XCTUnwrap(PstoreHarvest(from: from.path).boots.first?.outputs.first)
    XCTAssertEqual(String(decoding: output.bytes, as: UTF8.self), "start\nend\n")
    XCTAssertEqual(output.note, "parts 1,3 of 3: the log has holes")
  }

  func testMissingDirectoryIsAnError() {
    XCTAssertThrowsError(try PstoreHarvest(from: "/nonexistent/pstore")) {
      XCTAssertEqual("\($0)", "/nonexistent/pstore: no such directory")
    }
  }
}
