import Foundation
import TestSupport
import XCTest

@testable import KernelLog

/// The byte scanner (windows around markers) must find what the record parser
/// finds on the whole log.
final class LargeLogTests: XCTestCase {
  static let filler = (0..<3000).map { index in
    "[\(String(format: "%12.6f", Double(index) * 0.001))] virtio_net virtio0 enp0s3: link up, queue \(index % 7)\n"
  }.joined()

  func testByteScannerAgreesWithRecordParser() throws {
    var log: [UInt8] = []
    for name in [
      "softlockup", "oops", "warn", "hung-task", "bug", "rcu-stall", "hardlockup", "panic-notifier",
    ] {
      log += Array(Self.filler.utf8)
      log += try LabConsoleLogTests.fixture(name)
    }
    log += Array(Self.filler.utf8)
    let parser = CrashReportParser()
    let scanned = parser.reports(inLog: log)
    let parsed = parser.reports(in: KernelLogReader.records(in: log))
    XCTAssertEqual(scanned.map(\.title), parsed.map(\.title))
    XCTAssertEqual(scanned.map(\.evidence.span), parsed.map(\.evidence.span))
    XCTAssertEqual(scanned.count, 8)
    XCTAssertTrue(scanned.allSatisfy(\.panicked))
  }

  func testByteScannerAgreesOnTheCorpus() throws {
    let folder = SyzkallerCorpusTests.corpus.appendingPathComponent("report")
    guard FileManager.default.fileExists(atPath: folder.path) else {
      throw SyzkallerCorpusTests.missingCorpus(folder)
    }
    var disagreements: [String] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
      let sample = CorpusSample(try [UInt8](Data(contentsOf: folder.appendingPathComponent(name))))
      let parser = CrashReportParser()
      let scanned = parser.reports(inLog: sample.log).map(\.title)
      let parsed = parser.reports(in: KernelLogReader.records(in: sample.log)).map(\.title)
      if scanned != parsed { disagreements.append("\(name): \(scanned) vs \(parsed)") }
    }
    XCTAssertEqual(disagreements, [])
  }
}
