import Codecs
import XCTest

final class ZlibTests: XCTestCase {
  // "hello hello hello\n", deflated by Python's zlib (raw: wbits -15, level 9; zlib: level 9).
  let raw: [UInt8] = [0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x5c, 0x00]
  let wrapped: [UInt8] = [
    0x78, 0xda, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x5c, 0x00, 0x40, 0xb5, 0x06, 0x87,
  ]

  func testRawAndWrappedStreams() throws {
    XCTAssertEqual(
      String(decoding: try Zlib.inflate(raw, format: .raw), as: UTF8.self), "hello hello hello\n")
    XCTAssertEqual(
      String(decoding: try Zlib.inflate(wrapped, format: .zlibOrGzip), as: UTF8.self), "hello hello hello\n")
  }

  func testTruncatedAndCorruptInputThrow() {
    XCTAssertThrowsError(try Zlib.inflate(Array(raw.prefix(5)), format: .raw)) {
      XCTAssertTrue("\($0)".contains("truncated"), "\($0)")
    }
    XCTAssertThrowsError(try Zlib.inflate([0x1f, 0x9e, 0x00, 0x01], format: .zlibOrGzip))
    XCTAssertThrowsError(try Zlib.inflate(raw, format: .raw, limit: 4)) {
      XCTAssertTrue("\($0)".contains("larger than 4 bytes"), "\($0)")
    }
  }
}
