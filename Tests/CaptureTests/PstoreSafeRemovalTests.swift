import Foundation
import XCTest

@testable import Capture

/// A pstore record leaves the backend only after the files made from it were read back
/// and flushed; when a written file differs, nothing is removed.
final class PstoreSafeRemovalTests: XCTestCase {
  var scratch: URL!

  override func setUpWithError() throws {
    scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-pstore-safe-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: scratch)
  }

  func pstore() throws -> String {
    let copy = scratch.appendingPathComponent("pstore")
    try FileManager.default.copyItem(atPath: FixtureTree.path("pstore/ramoops"), toPath: copy.path)
    return copy.path
  }

  func testSavedRecordsAreRemovedAfterTheFlush() throws {
    let from = try pstore()
    let harvest = try PstoreHarvest(from: from)
    let folders = try harvest.write(to: scratch.appendingPathComponent("out").path)
    try harvest.flush(folders: folders)
    XCTAssertEqual(
      harvest.savedRecordNames, Set(harvest.records.map(\.name)), "every fixture record makes a file")
    XCTAssertEqual(try harvest.removeSavedRecords(from: from), [])
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: from), harvest.unrecognized)
  }

  func testAFileThatDiffersStopsTheRemoval() throws {
    let from = try pstore()
    let harvest = try PstoreHarvest(from: from)
    let folders = try harvest.write(to: scratch.appendingPathComponent("out").path)
    let damaged = "\(folders[0])/dmesg-2-panic.txt"
    try Data("short".utf8).write(to: URL(fileURLWithPath: damaged))
    XCTAssertThrowsError(try harvest.flush(folders: folders)) {
      XCTAssertTrue("\($0)".hasPrefix("\(damaged): read back 5 bytes that differ"), "\($0)")
    }
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: from).count,
      harvest.records.count + harvest.unrecognized.count)
  }

  func testARecordNoFileNamesStaysInPstore() throws {
    let from = try pstore()
    var harvest = try PstoreHarvest(from: from)
    harvest.boots[0].outputs.removeAll { $0.sources.contains("pmsg-ramoops-0") }
    let folders = try harvest.write(to: scratch.appendingPathComponent("out").path)
    try harvest.flush(folders: folders)
    XCTAssertEqual(try harvest.removeSavedRecords(from: from), ["pmsg-ramoops-0"])
    XCTAssertEqual(
      Set(try FileManager.default.contentsOfDirectory(atPath: from)),
      Set(["pmsg-ramoops-0"] + harvest.unrecognized))
  }
}
