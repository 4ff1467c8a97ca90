import Bytes
import XCTest

final class ByteCursorTests: XCTestCase {
  /// Values worked out by hand from the encodings: little-endian integers, unsigned
  /// LEB128 624485 = 0x26 << 14 | 0x0e << 7 | 0x65, and signed -128 as DWARF 5's
  /// table 7.8 encodes it (0x80 0x7f).
  func testIntegersAndLeb128() throws {
    let view = ByteView(
      bytes: [0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xe5, 0x8e, 0x26, 0x80, 0x7f, 0x41, 0x00], name: "sample")
    var cursor = ByteCursor(view)
    XCTAssertEqual(try cursor.u16(), 0x1234)
    XCTAssertEqual(try cursor.u32(), 0x1234_5678)
    XCTAssertEqual(try cursor.uleb(), 624_485)
    XCTAssertEqual(try cursor.sleb(), -128)
    XCTAssertEqual(try cursor.cString(), "A")
    XCTAssertTrue(cursor.isAtEnd)
    XCTAssertThrowsError(try cursor.u8()) {
      XCTAssertEqual(($0 as? BytesError)?.kind, .truncated)
      XCTAssertEqual(($0 as? BytesError)?.path, "sample")
    }
  }

  func testLittleEndianArrayReadsStopAtTheEnd() {
    let bytes: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0x80]
    XCTAssertEqual(bytes.u64(0), 0x8000_0000_0000_0001)
    XCTAssertEqual(bytes.i64(0), Int64(bitPattern: 0x8000_0000_0000_0001))
    XCTAssertNil(bytes.u64(1))
    XCTAssertNil(bytes.u32(-1))
    XCTAssertEqual(bytes.u16(6), 0x8000)
  }
}
