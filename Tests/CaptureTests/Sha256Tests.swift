import XCTest

@testable import Capture

final class Sha256Tests: XCTestCase {
  func digest(_ bytes: [UInt8], pieces: Int = 1) -> String {
    let ours = digest(bytes, pieces: pieces, useLibcrypto: false)
    XCTAssertEqual(digest(bytes, pieces: pieces, useLibcrypto: true), ours, "libcrypto and ours agree")
    return ours
  }

  func digest(_ bytes: [UInt8], pieces: Int, useLibcrypto: Bool) -> String {
    var hash = Sha256(useLibcrypto: useLibcrypto)
    let step = max(1, bytes.count / pieces)
    var start = 0
    while start < bytes.count {
      hash.update(Array(bytes[start..<min(bytes.count, start + step)]))
      start += step
    }
    return hash.hexDigest()
  }

  /// FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional").
  func testKnownDigests() {
    XCTAssertEqual(digest([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(
      digest(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    XCTAssertEqual(digest(twoBlocks), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    XCTAssertEqual(
      digest(million, pieces: 7), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }
}
