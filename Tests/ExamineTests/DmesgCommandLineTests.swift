import XCTest

@testable import coroner

/// The command lines `coroner dmesg` parses by hand before ArgumentParser starts, and the
/// ones it leaves to ArgumentParser.
final class DmesgCommandLineTests: XCTestCase {
  func testPlainCommandLinesAreParsedByHand() throws {
    let plain = try XCTUnwrap(DmesgCommand.Plain(["dmesg", "a", "--json", "b", "--style", "kernel"]))
    XCTAssertEqual(plain.files, ["a", "b"])
    XCTAssertTrue(plain.json)
    XCTAssertFalse(plain.raw)
    XCTAssertEqual(plain.style, .kernel)
    let other = try XCTUnwrap(
      DmesgCommand.Plain(["dmesg", "--raw", "--after-clear", "--style=makedumpfile", "v"]))
    XCTAssertTrue(other.raw)
    XCTAssertTrue(other.afterClear)
    XCTAssertEqual(other.style, .makedumpfile)
  }

  func testEverythingElseGoesToArgumentParser() {
    for arguments in [
      ["dmesg"], ["dmesg", "--help"], ["dmesg", "v", "-h"], ["dmesg", "v", "--style"],
      ["dmesg", "v", "--style", "syslog"], ["dmesg", "v", "--jsn"], ["examine", "v"], [],
    ] {
      XCTAssertNil(DmesgCommand.Plain(arguments), "\(arguments)")
    }
  }
}
