import Foundation
import KernelLog
import XCTest

@testable import Collector

final class NetconsoleStreamTests: XCTestCase {
  func testSequenceGapsLateArrivalsRepeatsAndRestarts() {
    var tracker = PrintkSequenceTracker()
    XCTAssertEqual(tracker.observe(10, timestamp: 100), .first)
    XCTAssertEqual(tracker.observe(11, timestamp: 110), .next)
    XCTAssertEqual(tracker.observe(15, timestamp: 150), .gap(3))
    XCTAssertEqual(tracker.lost, 3)
    XCTAssertEqual(tracker.observe(13, timestamp: 130), .late)
    XCTAssertEqual(tracker.lost, 2, "a late record fills its gap")
    XCTAssertEqual(tracker.observe(15, timestamp: 150), .duplicate)
    XCTAssertEqual(
      tracker.observe(0, timestamp: 5), .restart, "a new boot numbers from 0 with an early timestamp")
    XCTAssertEqual(tracker.restarts, 1)
    XCTAssertEqual(tracker.observe(1, timestamp: 6), .next)
  }

  func stream() -> NetconsoleHostStream {
    var limits = ReportCutter.Limits()
    limits.quietNanoseconds = 1_000
    return NetconsoleHostStream(source: "10.0.0.9", markers: ReportMarkers(), limits: limits)
  }

  /// What a lab guest's netconsole really sent (6.1, `oops` detonator, no kdump): the
  /// whole boot, then the oops, the register dump repeated after its end line, and the
  /// panic up to its `---[ end Kernel panic` line. One crash, cut once; the closing
  /// panic lines belong to it (they once made the cutter re-read its own report).
  func testARealGuestsPanicEndingInItsEndLineIsOneReport() throws {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/6.1-oops-netconsole.jsonl")
    let lines = try String(contentsOf: fixture, encoding: .utf8).split(separator: "\n")
    let payloads = try lines.map { try JSONDecoder().decode(String.self, from: Data($0.utf8)) }
    XCTAssertGreaterThan(payloads.count, 400)
    var host = stream()
    var reports: [CrashReport] = []
    var now: UInt64 = 1
    for payload in payloads {
      now += 10
      reports += try host.receive(Array(payload.utf8), at: now)
    }
    reports += host.tick(at: now + 1_000_000)
    reports += host.finish(at: now + 2_000_000)
    XCTAssertEqual(
      reports.map(\.title), ["BUG: unable to handle kernel NULL pointer dereference in det_oops_fn"])
    XCTAssertEqual(reports.first?.guiltyFrame, "det_oops_fn")
    XCTAssertEqual(reports.first?.panicked, true)
    XCTAssertEqual(reports.first?.kernel?.release, "6.1.0-57-amd64")
  }

  func testExtendedStreamOfARealOopsGivesItsReportWhenTheHostFallsQuiet() throws {
    var forge = NetconsoleForge()
    forge.chunk = 120  // force fragments on the long lines
    forge.sysdata = [("cpu", "0"), ("taskname", "sh"), ("release", "6.1.0-56-amd64")]
    var host = stream()
    var reports: [CrashReport] = []
    var now: UInt64 = 1
    let payloads = forge.payloads(log: try LabLogs.bytes("6.1-oops.log"))
    XCTAssertGreaterThan(
      payloads.filter { String(decoding: $0.prefix(80), as: UTF8.self).contains("ncfrag=") }.count, 10)
    // Neighbouring payloads swapped: UDP reorders.
    var shuffled = payloads
    for index in stride(from: 0, to: shuffled.count - 1, by: 7) { shuffled.swapAt(index, index + 1) }
    for payload in shuffled {
      now += 10
      do {
        reports += try host.receive(payload, at: now)
      } catch {
        XCTFail("\(error): \(String(decoding: payload, as: UTF8.self))")
      }
    }
    reports += host.tick(at: now + 1_000_000)
    XCTAssertEqual(
      reports.map(\.title), ["BUG: unable to handle kernel NULL pointer dereference in det_oops_fn"])
    XCTAssertEqual(reports.first?.guiltyFrame, "det_oops_fn")
    XCTAssertEqual(host.lastRelease, "6.1.0-56-amd64")
    let counts = host.takeCounts()
    XCTAssertEqual(counts.messages, Int64(FixtureCount.records(try LabLogs.bytes("6.1-oops.log"))))
    XCTAssertEqual(counts.lost, 0, "reordered records are late, not lost")
    XCTAssertEqual(counts.refused, 0)
  }

  func testLegacyStreamCutAtThousandBytesGivesTheSameReport() throws {
    let log = try LabLogs.bytes("6.1-warn.log")
    var host = stream()
    var reports: [CrashReport] = []
    var offset = 0
    while offset < log.count {
      let end = min(log.count, offset + 1000)
      reports += try host.receive(Array(log[offset..<end]), at: UInt64(offset + 1))
      offset = end
    }
    reports += host.finish(at: UInt64(log.count + 10))
    let expected = CrashReportParser().reports(inLog: log).map(\.title)
    XCTAssertEqual(reports.map(\.title), expected)
    XCTAssertFalse(expected.isEmpty)
  }

  func testBadPayloadsAreRefusedWithTheirReasons() throws {
    var host = stream()
    var forge = NetconsoleForge()
    _ = try host.receive(forge.payloads(text: "hello", timestampMicroseconds: 1)[0], at: 1)
    let cases: [(String, NetconsoleRefusal)] = [
      ("6,1,2", .badHeader),  // truncated: an extended host's payload without ';'
      ("6,5,6,-,caller=T1,caller=T2;x", .duplicateKey),
      ("6,5,6,-,ncfrag=9/4;x", .badFragment),
      ("6,5,6,-,ncfrag=0/99999;x", .badFragment),
      ("6,5,6,-,ncfrag=2/4;xyz", .badFragment),
      ("", .empty),
    ]
    for (payload, reason) in cases {
      XCTAssertThrowsError(try host.receive(Array(payload.utf8), at: 2), payload) { error in
        XCTAssertEqual(error as? NetconsoleRefusal, reason, payload)
      }
    }
    XCTAssertThrowsError(try host.receive([UInt8](repeating: 0x41, count: 5000), at: 3)) {
      XCTAssertEqual($0 as? NetconsoleRefusal, .oversized)
    }
    XCTAssertEqual(try host.receive(Array("6,7,8,-,ncfrag=0/10;abc".utf8), at: 4), [])
    XCTAssertEqual(try host.receive(Array("6,7,8,-,ncfrag=3/10;defg".utf8), at: 4), [])
    XCTAssertThrowsError(try host.receive(Array("6,7,8,-,ncfrag=0/12;abc".utf8), at: 4)) {
      XCTAssertEqual($0 as? NetconsoleRefusal, .fragmentTotalChanged)
    }
    XCTAssertThrowsError(try host.receive([0x36, 0x2C, 0xFF, 0x2C, 0x31, 0x2C, 0x2D, 0x3B, 0x78], at: 5)) {
      XCTAssertEqual($0 as? NetconsoleRefusal, .badHeader, "a non-ASCII header")
    }
    XCTAssertEqual(host.refusals[.badFragment], 3)
  }

  func testReleaseChangeIsARestart() throws {
    var host = stream()
    var forge = NetconsoleForge()
    for _ in 0..<3 { _ = try host.receive(forge.payloads(text: "a", timestampMicroseconds: 1)[0], at: 1) }
    forge.release = "6.12.9-amd64"
    forge.sequence = 0
    _ = try host.receive(forge.payloads(text: "b", timestampMicroseconds: 1)[0], at: 2)
    let counts = host.takeCounts()
    XCTAssertEqual(counts.restarts, 1)
    XCTAssertEqual(counts.release, "6.12.9-amd64")
    XCTAssertEqual(counts.lost, 0)
  }
}

enum FixtureCount {
  static func records(_ log: [UInt8]) -> Int { NetconsoleForge.records(log).count }
}
