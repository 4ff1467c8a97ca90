import Foundation
import XCTest

@testable import KernelLog

/// Inputs the fuzzer (scripts/fuzz-kernellog) found to break the parser, replayed:
/// both entry points must parse them without a trap and agree.
final class FuzzCrasherTests: XCTestCase {
  func testCrashersParseAndAgree() throws {
    // Committed with the tests: a missing folder is a broken checkout, never a skip.
    let folder = try XCTUnwrap(
      Bundle.module.url(forResource: "fuzz", withExtension: nil, subdirectory: "Fixtures"), "Fixtures/fuzz")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    XCTAssertFalse(names.isEmpty)
    for name in names {
      let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
      let parser = CrashReportParser()
      let scanned = parser.reports(inLog: bytes).map(\.title)
      let parsed = parser.reports(in: KernelLogReader.records(in: bytes)).map(\.title)
      XCTAssertEqual(scanned, parsed, name)
    }
  }

  /// The real logs back to back, cut into pieces of the fuzzer's size: reports that
  /// follow each other closely, other tasks' lines between a report's own, a window's
  /// edge inside a report. Both entry points must see the same crashes in each piece.
  func testEntryPointsAgreeOnRealLogsBackToBack() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: RealLogCorpusTests.folder.path)
      .filter { $0.hasSuffix(".log") }.sorted()
    XCTAssertGreaterThan(names.count, 900)
    var all: [UInt8] = []
    for name in names {
      let bytes = try [UInt8](Data(contentsOf: RealLogCorpusTests.folder.appendingPathComponent(name)))
      // The log after the annotation's headers.
      let body = (0..<max(0, bytes.count - 1)).first { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }
      all += bytes[(body.map { $0 + 2 } ?? 0)...]
      all.append(0x0A)
    }
    let parser = CrashReportParser()
    var pieces = 0
    var disagreeing: [Int] = []
    for start in stride(from: 0, to: all.count, by: 60000) {
      let piece = Array(all[start..<min(all.count, start + 60000)])
      pieces += 1
      let scanned = parser.reports(inLog: piece).map(\.title)
      let parsed = parser.reports(in: KernelLogReader.records(in: piece)).map(\.title)
      if scanned != parsed { disagreeing.append(start) }
    }
    print("real logs back to back: \(pieces) pieces, \(disagreeing.count) where the entry points disagree")
    // None disagrees since stop 33; stop 32's code disagreed on 61 of the 134 pieces of
    // the syzkaller and real corpora back to back.
    XCTAssertEqual(disagreeing, [], "pieces where the entry points disagree, by offset")
  }

  /// A record of several lines (one printk with embedded newlines, as a dump's ring
  /// buffer keeps it) counts once: a header on the log's last lines is still looked at.
  func testHeaderAfterRecordsOfSeveralLines() {
    var records = (0..<40).map { LogRecord(text: "usb 1-1: line \($0)\n SUBSYSTEM=usb\n DEVICE=c189:1") }
    records.append(LogRecord(text: "BUG: kernel NULL pointer dereference, address: 0000000000000028"))
    records.append(LogRecord(text: "RIP: 0010:keyctl_pkey_verify+0x1c/0x80"))
    XCTAssertEqual(
      CrashReportParser().reports(in: records).map(\.title),
      ["BUG: unable to handle kernel NULL pointer dereference in keyctl_pkey_verify"])
  }

  func testMarkerSplitByRemovedBytesIsFound() {
    let bytes =
      Array("[    1.0] general prot".utf8) + [0x00, 0x07] + Array("ection fault: 0000 [#1] SMP\n".utf8)
    XCTAssertEqual(
      CrashReportParser().reports(inLog: bytes).first?.title, "general protection fault in corrupted")
  }
}
