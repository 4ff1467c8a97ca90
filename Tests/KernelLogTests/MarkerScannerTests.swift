import XCTest

@testable import KernelLog

/// The blocked scan (the vector step and the pair tables, or the tables alone)
/// reports the same first position as the definition: a byte the line cleaner
/// removes (but `\r` before `\n`), or the start of a whole marker.
final class MarkerScannerTests: XCTestCase {
  static let markers = HeaderMatcher.shared.markers

  /// The first position in `start..<min(count - 1, end)` that starts a marker or
  /// holds a removed byte, by plain comparison.
  static func expected(in bytes: [UInt8], from start: Int, before end: Int) -> Int? {
    let encoded = markers.map { Array($0.utf8) }
    guard bytes.count >= 2 else { return nil }
    let last = min(bytes.count - 1, end)
    var index = max(0, start)
    while index < last {
      let byte = bytes[index]
      if MarkerScanner.removedBytes.contains(byte), !(byte == 0x0D && bytes[index + 1] == 0x0A) {
        return index
      }
      for marker in encoded where index + marker.count <= bytes.count {
        if Array(bytes[index..<index + marker.count]) == marker { return index }
      }
      index += 1
    }
    return nil
  }

  func testAgreesWithPlainSearch() {
    check(MarkerScanner(markers: MarkerScannerTests.markers))
  }

  /// The pair tables alone, as on a CPU without AVX2.
  func testAgreesWithPlainSearchWithoutVectorStep() {
    check(MarkerScanner(markers: MarkerScannerTests.markers, vector: false))
  }

  func check(_ scanner: MarkerScanner) {
    var generator = SystemRandomNumberGenerator()
    // Pieces of markers, common bigrams that start one, and bytes the cleaner removes.
    let pieces: [[UInt8]] =
      MarkerScannerTests.markers.map { Array($0.utf8) }
      + MarkerScannerTests.markers.map { Array($0.utf8.prefix(3)) }
      + ["in", "ke", "st", "BU", "G:", " ", "\n", "\r\n", "\r", "\t", "x"].map { Array($0.utf8) }
      + [[0x00], [0x1B], [0x7F], [0x80], [0xFF]]
    for _ in 0..<3000 {
      var bytes: [UInt8] = []
      for _ in 0..<Int.random(in: 0...12, using: &generator) {
        // Mostly plain text, so that whole sixteen-byte blocks without a candidate occur.
        if Bool.random(using: &generator) {
          bytes += Array(repeating: UInt8(ascii: "a"), count: Int.random(in: 0...80, using: &generator))
        }
        bytes += pieces.randomElement(using: &generator)!
      }
      let start = Int.random(in: 0...max(0, bytes.count), using: &generator)
      let end =
        Bool.random(using: &generator) ? bytes.count : Int.random(in: 0...bytes.count, using: &generator)
      let found = bytes.withUnsafeBufferPointer { scanner.firstMarker(in: $0, from: start, before: end) }
      XCTAssertEqual(
        found, MarkerScannerTests.expected(in: bytes, from: start, before: end),
        "\(String(decoding: bytes, as: UTF8.self).debugDescription) from \(start) before \(end)")
    }
  }
}
