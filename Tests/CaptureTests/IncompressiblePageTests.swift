import XCTest

@testable import Capture

final class IncompressiblePageTests: XCTestCase {
  private func looksRandom(_ page: [UInt8]) -> Bool {
    page.withUnsafeBytes { IncompressiblePage.looksRandom($0.baseAddress!, size: $0.count) }
  }

  func testRandomBytesAreGuessedIncompressible() {
    // splitmix64: every sampled byte independent and uniform.
    var state: UInt64 = 1
    for _ in 0..<50 {
      let page = (0..<512).flatMap { _ -> [UInt8] in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return withUnsafeBytes(of: z) { Array($0) }
      }
      XCTAssertTrue(looksRandom(page))
    }
  }

  func testTextCodeAndZerosAreCompressed() {
    XCTAssertFalse(looksRandom([UInt8](repeating: 0, count: 4096)))
    XCTAssertFalse(
      looksRandom(
        Array(String(repeating: "[    1.234567] usb 1-1: new device\n", count: 120).utf8.prefix(4096))))
    // Every byte value in turn: 128 samples 32 apart see only the values ≡ 7 mod 32.
    XCTAssertFalse(looksRandom((0..<4096).map { UInt8(truncatingIfNeeded: $0) }))
  }
}
