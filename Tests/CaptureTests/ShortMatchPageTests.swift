import Codecs
import XCTest

@testable import Capture

/// Pages whose sampled top bytes take one value are deflated with 3-byte matches, others
/// without; zlib dumps read back either way.
final class ShortMatchPageTests: XCTestCase {
  func testOneTopByteKeepsShortMatches() {
    XCTAssertTrue(ShortMatchPage.matches(topDistinct: nil))
    XCTAssertTrue(ShortMatchPage.matches(topDistinct: 1))
    XCTAssertFalse(ShortMatchPage.matches(topDistinct: 2))
    XCTAssertFalse(ShortMatchPage.matches(topDistinct: 90))
  }

  /// A page of addresses (every top byte 0xff) and a page of text (many top bytes): the
  /// encoder's zlib streams inflate back to each.
  func testBothKindsOfPageInflateBack() throws {
    var pointers = [UInt8]()
    for index in 0..<512 {
      let address: UInt64 = 0xFFFF_8880_0000_0000 | UInt64(index * 0x1C0 + (index % 7) * 8)
      withUnsafeBytes(of: address.littleEndian) { pointers += $0 }
    }
    let text = Array(
      String(repeating: "task 1234 blocked for more than 120 seconds; ", count: 100).utf8.prefix(4096))
    let encoder = try PageEncoder(codec: .zlib, pageSize: 4096)
    for (name, page) in [("pointers", pointers), ("text", text)] {
      let top = page.withUnsafeBytes { IncompressiblePage.samples($0.baseAddress!, size: 4096) }
      XCTAssertEqual(ShortMatchPage.matches(topDistinct: top.distinct), name == "pointers", name)
      var output = [UInt8](repeating: 0, count: encoder.outputCapacity)
      let size = try XCTUnwrap(
        page.withUnsafeBytes { input in
          output.withUnsafeMutableBytes { encoder.encode(input.baseAddress!, into: $0.baseAddress!) }
        }, name)
      XCTAssertEqual(try Zlib.inflate(Array(output[0..<size]), format: .zlib), page, name)
    }
  }
}
