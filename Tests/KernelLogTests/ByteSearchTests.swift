import XCTest

@testable import KernelLog

/// The word-at-a-time search agrees with a plain byte loop at every alignment
/// and length, including needles at the very end of the text.
final class ByteSearchTests: XCTestCase {
  func testAgreesWithPlainSearch() {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("ab\n:K".utf8)
    for _ in 0..<2000 {
      let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement()! }
      let needle = (0..<Int.random(in: 1...4, using: &generator)).map { _ in alphabet.randomElement()! }
      let expected: Int? =
        text.count < needle.count
        ? nil : (0...(text.count - needle.count)).first { Array(text[$0..<$0 + needle.count]) == needle }
      let found = text.withUnsafeBufferPointer { haystack in
        needle.withUnsafeBufferPointer { ByteSearch.firstIndex(of: $0, in: haystack) }
      }
      XCTAssertEqual(found, expected, "\(text) \(needle)")
    }
  }

  /// The word-at-a-time control test says true whenever a byte is below 0x20 or
  /// is DEL, and the line scanner finds the same newline as a plain loop.
  func testControlAndNewlineAgreeWithPlainLoops() {
    var generator = SystemRandomNumberGenerator()
    let alphabet: [UInt8] = [0x00, 0x09, 0x0A, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0xC2, 0xFF]
    for _ in 0..<3000 {
      let count = Int.random(in: 0...40, using: &generator)
      let plain = (0..<count).map { _ in UInt8(ascii: "a") }
      var line = plain
      if Bool.random(using: &generator), count > 0 {
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
          line[Int.random(in: 0..<count, using: &generator)] = alphabet.randomElement(using: &generator)!
        }
      }
      let expected = line.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }
      XCTAssertEqual(line.withUnsafeBufferPointer { LineCleaner.mayNeedCleaning($0) }, expected, "\(line)")
      let start = Int.random(in: 0...count, using: &generator)
      let newline = line[start...].firstIndex(of: 0x0A) ?? count
      XCTAssertEqual(
        line.withUnsafeBufferPointer { LineScanner.endOfLine(in: $0, from: start) }, newline, "\(line)")
    }
  }

  /// `String.contains` finds the needle's bytes in small (inline) and large strings,
  /// whichever path lends it the bytes.
  func testStringContainsAgreesWithByteSearch() {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("ab+0x-é".unicodeScalars)
    for _ in 0..<2000 {
      var text = ""
      for _ in 0..<Int.random(in: 0...40, using: &generator) {
        text.unicodeScalars.append(alphabet.randomElement(using: &generator)!)
      }
      var needle = ""
      for _ in 0..<Int.random(in: 1...4, using: &generator) {
        needle.unicodeScalars.append(alphabet.randomElement(using: &generator)!)
      }
      let bytes = Array(text.utf8)
      let wanted = Array(needle.utf8)
      let expected =
        bytes.count >= wanted.count
        && (0...(bytes.count - wanted.count)).contains { Array(bytes[$0..<$0 + wanted.count]) == wanted }
      XCTAssertEqual(text.contains(needle), expected, "\(text) \(needle)")
    }
  }
}
