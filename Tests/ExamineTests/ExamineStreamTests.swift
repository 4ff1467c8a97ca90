import Examine
import Foundation
import KernelLog
import TestSupport
import XCTest

/// `examine --stream`: the reports of a console log handed over one by one as the scan
/// finds them, the same reports as a whole examination, in log order.
final class ExamineStreamTests: XCTestCase {
  static let realLogs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("KernelLogTests/Fixtures/real")
  var scratch: String!

  override func setUpWithError() throws {
    scratch = NSTemporaryDirectory() + "examine-stream-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: scratch)
  }

  /// Real x86 logs end to end, each followed by boot noise, `copies` times over.
  func manyCrashes(copies: Int) throws -> String {
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.realLogs.path)
      .filter { $0.hasPrefix("x86-") && $0.hasSuffix(".log") }.sorted()
    XCTAssertGreaterThan(names.count, 10, "real logs in \(Self.realLogs.path)")
    var log = Data()
    for _ in 0..<copies {
      for name in names {
        log += try Data(contentsOf: Self.realLogs.appendingPathComponent(name))
        log += Data("\n[    1.000000] a boot line between logs\n".utf8)
      }
    }
    let path = scratch + "/many.log"
    try log.write(to: URL(fileURLWithPath: path))
    return path
  }

  func testStreamedReportsAreTheWholeExaminationsInLogOrder() throws {
    let path = try manyCrashes(copies: 2)
    var streamed: [CrashReport] = []
    let end = try Examiner().examine(path: path) { streamed.append($0) }
    let whole = try Examiner().examine(path: path)
    XCTAssertEqual(end.reports, streamed.count)
    XCTAssertEqual(end.reports, whole.reports.count)
    XCTAssertGreaterThan(end.reports, 40)
    XCTAssertEqual(end.kind, .console)
    XCTAssertTrue(end.isConclusive)
    // The whole examination moves the killer first; the stream keeps log order, which
    // is the order of each report's first line.
    let starts = streamed.map { $0.evidence.span?.first ?? -1 }
    XCTAssertEqual(starts, starts.sorted())
    XCTAssertFalse(starts.contains(-1), "every report says where it lies")
    func key(_ report: CrashReport) -> String {
      "\(report.evidence.span?.first ?? -1) \(report.title) \(report.panicked)"
    }
    XCTAssertEqual(streamed.map(key).sorted(), whole.reports.map(key).sorted())
    XCTAssertTrue(streamed.allSatisfy { $0.evidence.path == path })
  }

  /// The scan stops where the receiver does: an error thrown for the first report ends
  /// the examination there.
  func testReceiverErrorStopsTheScan() throws {
    struct Enough: Error {}
    let path = try manyCrashes(copies: 1)
    var seen = 0
    XCTAssertThrowsError(
      try Examiner().examine(path: path) { _ in
        seen += 1
        throw Enough()
      }
    ) { XCTAssertTrue($0 is Enough) }
    XCTAssertEqual(seen, 1)
  }

  /// The command's JSON Lines: one `{"path", "report"}` per report, then the file's
  /// closing `{"path", "kind", "reports", "problems"}` with their count.
  func testStreamJSONLines() throws {
    let path = try manyCrashes(copies: 1)
    let coroner = try BuiltCoroner.url(beside: Self.self).path
    let run = try ToolRun.launch(coroner, ["examine", "--stream", "--json", path])
    XCTAssertEqual(run.status, 0, String(decoding: run.stderr, as: UTF8.self))
    let objects = try run.text.split(separator: "\n").map {
      try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    let last = try XCTUnwrap(objects.last)
    let reports = objects.dropLast()
    XCTAssertGreaterThan(reports.count, 20)
    XCTAssertTrue(reports.allSatisfy { $0["path"] as? String == path && $0["report"] is [String: Any] })
    XCTAssertEqual(last["reports"] as? Int, reports.count)
    XCTAssertEqual(last["kind"] as? String, "console")
    XCTAssertEqual(last["path"] as? String, path)
    XCTAssertNotNil(last["problems"] as? [Any])
  }
}
