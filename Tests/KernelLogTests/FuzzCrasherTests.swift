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

  func testMarkerSplitByRemovedBytesIsFound() {
    let bytes =
      Array("[    1.0] general prot".utf8) + [0x00, 0x07] + Array("ection fault: 0000 [#1] SMP\n".utf8)
    XCTAssertEqual(
      CrashReportParser().reports(inLog: bytes).first?.title, "general protection fault in corrupted")
  }
}
