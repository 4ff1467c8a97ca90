import TestSupport
import XCTest

@testable import Codecs

/// libdeflate's zlib streams are the ones zlib's inflate reads back.
final class LibdeflateTests: XCTestCase {
  func testZlibStreamsInflateWithZlib() throws {
    guard Libdeflate.isAvailable else {
      throw TestInput.missing(Libdeflate.soname, makeWith: "scripts/install-prerequisites (libdeflate0)")
    }
    // A page of text-like bytes, one of repeated words, one of a pseudo-random sequence.
    var random: UInt64 = 0x9E37_79B9_7F4A_7C15
    let pages: [[UInt8]] = [
      (0..<4096).map { UInt8(truncatingIfNeeded: ($0 * 7) % 61 + 32) },
      Array(String(repeating: "kernel page ", count: 342).utf8.prefix(4096)),
      (0..<4096).map { _ in
        random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: random >> 56)
      },
    ]
    for level: Int32 in [1, 2, 6] {
      let compressor = try Libdeflate.ZlibCompressor(level: level)
      var output = [UInt8](repeating: 0, count: compressor.bound(4096))
      for (index, page) in pages.enumerated() {
        let size = try XCTUnwrap(
          page.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
              compressor.compress(
                input.baseAddress!, count: 4096, into: out.baseAddress!, capacity: out.count)
            }
          }, "level \(level) page \(index)")
        XCTAssertEqual(output[0] & 0x0F, 8, "a zlib header: deflate")
        XCTAssertEqual(
          try Zlib.inflate(Array(output[0..<size]), format: .zlib), page, "level \(level) page \(index)")
      }
      // No room: nil, not a truncated stream.
      let tight = pages[2].withUnsafeBytes { input in
        output.withUnsafeMutableBytes { out in
          compressor.compress(input.baseAddress!, count: 4096, into: out.baseAddress!, capacity: 100)
        }
      }
      XCTAssertNil(tight)
    }
  }
}
