import CZlib
import XCTest

@testable import Codecs

/// The lane-wise Adler-32 gives zlib's `adler32()` for every length: below and past a
/// 16-byte step, at and past a reduction block, whole pages of each size, bytes at their
/// largest (where the sums would overflow first) and at random.
final class Adler32Tests: XCTestCase {
  func testAgreesWithZlibOnEveryKindOfLength() {
    let block = Adler32.block
    let lengths = [
      0, 1, 15, 16, 17, 255, 4096, block - 1, block, block + 1, 5552, 2 * block + 7, 16384, 65536,
    ]
    var state: UInt64 = 11
    for length in lengths {
      let largest = [UInt8](repeating: 0xFF, count: length)
      let random = (0..<length).map { _ -> UInt8 in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
      }
      for (name, bytes) in [("0xFF", largest), ("random", random)] {
        bytes.withUnsafeBytes { raw in
          let expected = adler32(1, raw.bindMemory(to: Bytef.self).baseAddress, uInt(length))
          let ours = Adler32.checksum(raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: length)
          XCTAssertEqual(UInt(ours), UInt(expected), "\(length) bytes of \(name)")
        }
      }
    }
  }
}
