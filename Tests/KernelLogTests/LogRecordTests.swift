import XCTest

@testable import KernelLog

final class LogRecordTests: XCTestCase {
  func testCallerIDDecodesTaskAndCPU() {
    XCTAssertEqual(LogRecord.Caller(callerID: 123), .task(pid: 123))
    XCTAssertEqual(LogRecord.Caller(callerID: 0x8000_0001), .cpu(1))
    XCTAssertEqual(LogRecord.Caller(callerID: 0x8000_0001).description, "C1")
  }
}
