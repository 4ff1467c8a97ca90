import XCTest

@testable import KernelLog

extension XCTestCase {
  /// The first report of `lines` printed as dmesg prints them, a second apart.
  func report(_ lines: [String]) throws -> CrashReport {
    let text = lines.enumerated().map { "[   \(100 + $0.offset).000000] \($0.element)" }.joined(
      separator: "\n")
    return try XCTUnwrap(CrashReportParser().reports(inLog: Array(text.utf8)).first)
  }
}
