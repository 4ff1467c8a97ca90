import XCTest

@testable import Dump

final class DmesgFormatterTests: XCTestCase {
  func line(_ text: [UInt8], _ nanoseconds: UInt64) -> String {
    var output: [UInt8] = []
    let record = PrintkRecord(
      sequence: 0, timestampNanoseconds: nanoseconds, facility: 0, level: 6, flags: 0, callerID: nil,
      text: text)
    DmesgFormatter.vmcoreDmesg(record, into: &output)
    return String(decoding: output, as: UTF8.self)
  }

  func testTimestampsPadAsVmcoreDmesgDoes() {
    XCTAssertEqual(line(Array("hi".utf8), 0), "[    0.000000] hi\n")
    XCTAssertEqual(line(Array("hi".utf8), 1_234_567_890), "[    1.234567] hi\n")
    XCTAssertEqual(line([], 123_456_000_001_000), "[123456.000001] \n")
  }

  func testTimestampsOfEveryWidthMatchPrintf() {
    // The reference is C's own `%5llu.%06llu`, not the formatter's arithmetic.
    for nanoseconds: UInt64 in [9, 999, 10_000_000_000, 99_999_999_999_999, UInt64.max] {
      let seconds = nanoseconds / 1_000_000_000
      let micros = (nanoseconds % 1_000_000_000) / 1000
      let expected = String(format: "[%5llu.%06llu] x\n", seconds, micros)
      XCTAssertEqual(line(Array("x".utf8), nanoseconds), expected)
    }
  }

  func testNonPrintableBytesAreEscapedAndSpacesKept() {
    XCTAssertEqual(
      line(Array("caf\u{e9}\ta\nb".utf8) + [0x01, 0x7F], 0), "[    0.000000] caf\\xc3\\xa9\ta\nb\\x01\\x7f\n")
  }

  func testMakedumpfileAndKernelStyles() {
    let record = PrintkRecord(
      sequence: 0, timestampNanoseconds: 2_000_001_000, facility: 0, level: 6, flags: 0, callerID: nil,
      text: Array("a\n  b".utf8) + [0xE9, 0x01])
    var makedumpfile: [UInt8] = []
    DmesgFormatter.makedumpfile(record, into: &makedumpfile)
    XCTAssertEqual(
      String(decoding: makedumpfile, as: UTF8.self), "[    2.000001] a\n                 b\\xffffffe9\\x01\n")
    var kernel: [UInt8] = []
    DmesgFormatter.kernel(record, into: &kernel)
    XCTAssertEqual(kernel, Array("[    2.000001] a\n[    2.000001]   b".utf8) + [0xE9, 0x01, 0x0A])
    var empty: [UInt8] = []
    DmesgFormatter.makedumpfile(
      PrintkRecord(
        sequence: 1, timestampNanoseconds: 0, facility: 0, level: 0, flags: 0, callerID: nil, text: []),
      into: &empty)
    XCTAssertEqual(empty, [])
  }

  /// JSON strings (RFC 8259): text with nothing to escape is copied whole, the rest escaped
  /// a scalar at a time; each parses back to the text it came from.
  func testJSONStringsEscapeWhatRFC8259Requires() throws {
    let cases: [(String, String)] = [
      ("plain text [1] caf\u{e9}", "\"plain text [1] caf\u{e9}\""),
      ("", "\"\""),
      ("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\""),
      ("a\tb\nc\rd\u{1}\u{1f}\u{7f}", "\"a\\tb\\nc\\rd\\u0001\\u001f\u{7f}\""),
    ]
    for (text, literal) in cases {
      XCTAssertEqual(DmesgFormatter.jsonString(text), literal)
      let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
      XCTAssertEqual(parsed, [text])
    }
  }
}
