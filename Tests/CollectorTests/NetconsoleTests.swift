import KernelLog
import XCTest

@testable import Collector

final class NetconsoleTests: XCTestCase {
  func datagram(_ text: String) throws -> NetconsoleDatagram {
    try NetconsoleDatagram(parsing: Array(text.utf8))
  }

  func testHeaderFieldsWithReleaseAndCaller() throws {
    let payload = try datagram("6.1.0-26-amd64,4,444,501151268,-,caller=T93;watchdog: BUG: soft lockup\n")
    XCTAssertEqual(payload.release, "6.1.0-26-amd64")
    XCTAssertEqual(payload.level, 4)
    XCTAssertEqual(payload.facility, 0)
    XCTAssertEqual(payload.sequence, 444)
    XCTAssertEqual(payload.timestampMicroseconds, 501_151_268)
    XCTAssertEqual(payload.caller, .task(pid: 93))
    XCTAssertFalse(payload.isContinuation)
    var joiner = NetconsoleReassembler()
    let record = try XCTUnwrap(joiner.add(payload, from: "10.0.0.2"))
    XCTAssertEqual(record.text, "watchdog: BUG: soft lockup")
    XCTAssertEqual(record.timestampNanoseconds, 501_151_268_000)
  }

  func testUserFacilityAndContinuationAndCPUCaller() throws {
    let payload = try datagram("12,7,100,c,caller=C1;x")
    XCTAssertEqual(payload.facility, 1)
    XCTAssertEqual(payload.level, 4)
    XCTAssertTrue(payload.isContinuation)
    XCTAssertEqual(payload.caller, .cpu(1))
  }

  func testFragmentsOutOfOrderAndRepeatedMakeOneRecord() throws {
    // A 31-byte body cut in two, as the protocol's own example cuts it.
    let first = try datagram("6,416,1758426,-,ncfrag=0/31;the first chunk,")
    let second = try datagram("6,416,1758426,-,ncfrag=16/31; the 2nd chunk.")
    var joiner = NetconsoleReassembler()
    XCTAssertNil(joiner.add(second, from: "h"))
    XCTAssertNil(joiner.add(second, from: "h"), "a duplicate completes nothing")
    XCTAssertEqual(joiner.incompleteCount, 1)
    let record = try XCTUnwrap(joiner.add(first, from: "h"))
    XCTAssertEqual(record.text, "the first chunk, the 2nd chunk.")
    XCTAssertEqual(joiner.incompleteCount, 0)
  }

  func testDictionaryAndEscapes() throws {
    let payload = try datagram("3,9,5,-;usb 1-1: bad\\x0adata \\x5c\n SUBSYSTEM=usb\n DEVICE=c189:1\n")
    var joiner = NetconsoleReassembler()
    let record = try XCTUnwrap(joiner.add(payload, from: "h"))
    XCTAssertEqual(record.text, "usb 1-1: bad\ndata \\")
    XCTAssertEqual(record.dictionary.map(\.key), ["SUBSYSTEM", "DEVICE"])
    XCTAssertEqual(record.dictionary.map(\.value), ["usb", "c189:1"])
  }

  func testBadPayloadsAreErrorsNotTraps() {
    for bad in [
      "plain console text", "6,1;x", "6,1,2,-,ncfrag=9/4;x", "6,1,2,-,ncfrag=0/2;abc", ";", "x,y,z,w;",
    ] {
      XCTAssertThrowsError(try datagram(bad), bad)
    }
  }
}
