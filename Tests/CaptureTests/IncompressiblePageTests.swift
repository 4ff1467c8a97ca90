import XCTest

@testable import Capture

/// A 4 KiB page of splitmix64 output: every byte independent and uniform.
private func randomPage(_ state: inout UInt64) -> [UInt8] {
  (0..<512).flatMap { _ -> [UInt8] in
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return withUnsafeBytes(of: z) { Array($0) }
  }
}

final class IncompressiblePageTests: XCTestCase {
  private func looksRandom(_ page: [UInt8]) -> Bool {
    page.withUnsafeBytes { IncompressiblePage.looksRandom($0.baseAddress!, size: $0.count) }
  }

  func testRandomBytesAreGuessedIncompressible() {
    var state: UInt64 = 1
    for _ in 0..<50 { XCTAssertTrue(looksRandom(randomPage(&state))) }
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

final class UnevenPageTests: XCTestCase {
  /// Random bytes with a quarter of the page text: the sample of 128 sees over 85 distinct
  /// values, as in a random page, but the bytes at every fourth offset are far from
  /// uniform, and deflate shrinks the page.
  func testMostlyRandomPageWithTextIsCompressed() throws {
    var state: UInt64 = 7
    var page = randomPage(&state)
    let text = Array(String(repeating: "kernel: usb 1-1: reset high-speed USB device\n", count: 30).utf8)
    page.replaceSubrange(0..<1024, with: text[0..<1024])
    page.withUnsafeBytes { raw in
      XCTAssertGreaterThan(
        IncompressiblePage.samples(raw.baseAddress!, size: raw.count).distinct, IncompressiblePage.threshold)
      XCTAssertTrue(IncompressiblePage.uneven(raw.baseAddress!, size: raw.count))
      XCTAssertFalse(IncompressiblePage.looksRandom(raw.baseAddress!, size: raw.count))
    }
    let encoder = try PageEncoder(codec: .zlib, pageSize: 4096)
    let output = UnsafeMutableRawPointer.allocate(byteCount: encoder.outputCapacity, alignment: 16)
    defer { output.deallocate() }
    let size = try XCTUnwrap(page.withUnsafeBytes { encoder.encode($0.baseAddress!, into: output) })
    XCTAssertLessThan(size, 3300)
  }

  /// Uniform bytes pass the second test: the chi-square of a random page's counted bytes
  /// stays under the limit in 200 pages of splitmix64 output.
  func testRandomPagesAreEvenEnough() {
    var state: UInt64 = 99
    for _ in 0..<200 {
      randomPage(&state).withUnsafeBytes {
        XCTAssertFalse(IncompressiblePage.uneven($0.baseAddress!, size: $0.count))
      }
    }
  }
}
