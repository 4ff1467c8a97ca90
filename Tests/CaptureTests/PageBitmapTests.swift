import XCTest

@testable import Capture

final class PageBitmapTests: XCTestCase {
  /// Written in place, the bitmap is the same bytes its copy would be, zeros after it,
  /// also when the padding is longer than one zero buffer (1 MiB).
  func testWritingInPlaceMatchesTheStoredCopy() throws {
    var bitmap = PageBitmap(pageCount: 1000)
    bitmap.insert(1..<159)
    bitmap.insert(512..<513)
    bitmap.insert(900..<1000)
    for length in [128, 4096, (1 << 20) + 4096] {
      let output = MemoryDumpOutput()
      try bitmap.write(to: output, at: 4096, paddedTo: length)
      XCTAssertEqual(output.bytes.count, 4096 + length)
      XCTAssertEqual(Array(output.bytes[4096...]), bitmap.bytes(paddedTo: length), "\(length)")
    }
  }

  /// A length shorter than the bitmap writes its first `length` bytes only.
  func testAShortLengthCutsTheBitmap() throws {
    var bitmap = PageBitmap(pageCount: 256)
    bitmap.insert(0..<256)
    let output = MemoryDumpOutput()
    try bitmap.write(to: output, at: 0, paddedTo: 16)
    XCTAssertEqual(output.bytes, [UInt8](repeating: 0xFF, count: 16))
  }
}
