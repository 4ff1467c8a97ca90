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
}
