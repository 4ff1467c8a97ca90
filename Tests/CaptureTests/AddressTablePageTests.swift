import Codecs
import Dump
import XCTest

@testable import Capture

/// Pages of addresses (`AddressTablePage`): found by their sampled bytes, and deflated in
/// a zstd dump, the page descriptor's flag naming zlib, every page decoded to itself.
final class AddressTablePageTests: XCTestCase {
  /// 512 words: `top` in the top bytes (as kernel direct-map or text addresses, or
  /// page-table entries, share them) over pseudo-random lower bytes, none of them zero
  /// when `zeroLow` is false.
  private func page(top: (Int) -> UInt64, zeroLow: Bool = false) -> [UInt8] {
    var state: UInt64 = 0x1234_5678
    return (0..<512).flatMap { index -> [UInt8] in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      var low = (state >> 20) & 0x0000_0FFF_FFFF_FFC0
      low |= zeroLow ? 0 : 0x08 | UInt64(index & 7)
      return withUnsafeBytes(of: (top(index) | low).littleEndian) { Array($0) }
    }
  }

  private func matches(_ page: [UInt8]) -> Bool {
    page.withUnsafeBytes {
      AddressTablePage.matches(
        topDistinct: IncompressiblePage.samples($0.baseAddress!, size: $0.count).distinct,
        lowZeros: SparsePage.samples($0.baseAddress!, size: $0.count).zeros, size: $0.count)
    }
  }

  func testWordsSharingTheirTopByteAreAddresses() {
    XCTAssertTrue(matches(page { _ in 0xFFFF_8880_0000_0000 }))
    XCTAssertTrue(matches(page { _ in 0x8000_0000_0000_0000 }))
    // Two top bytes among the sampled words (every fourth word is sampled).
    XCTAssertFalse(matches(page { $0 % 8 == 0 ? 0xFFFF_8880_0000_0000 : 0x0000_0000_0000_0000 }))
    // Low bytes zero: aligned values, not this kind of table.
    XCTAssertFalse(matches(page(top: { _ in 0xFFFF_8880_0000_0000 }, zeroLow: true)))
    XCTAssertFalse(matches(Array(String(repeating: "kernel text, ", count: 320).utf8.prefix(4096))))
  }

  func testZstdDeflatesAPageOfAddressesAndNamesItsCodec() throws {
    try XCTSkipUnless(Zstd.isAvailable, "libzstd.so.1 is not installed")
    let encoder = try PageEncoder(codec: .zstd, pageSize: 4096)
    let pages = [page { _ in 0xFFFF_8880_0000_0000 }, page { _ in 0xFFFF_FFFF_8000_0000 }]
    for page in pages {
      var output = [UInt8](repeating: 0, count: encoder.outputCapacity)
      let size = try XCTUnwrap(
        page.withUnsafeBytes { page in
          output.withUnsafeMutableBytes { encoder.encode(page.baseAddress!, into: $0.baseAddress!) }
        })
      XCTAssertEqual(encoder.flag, PageCodec.zlib.flag)
      XCTAssertLessThan(size, 4096)
      XCTAssertEqual(try PageCodec.zlib.decode(Array(output[..<size]), pageSize: 4096), page)
    }
    // The same page in a zlib dump is a zlib page as any other.
    let zlib = try PageEncoder(codec: .zlib, pageSize: 4096)
    var output = [UInt8](repeating: 0, count: zlib.outputCapacity)
    let size = try XCTUnwrap(
      pages[0].withUnsafeBytes { page in
        output.withUnsafeMutableBytes { zlib.encode(page.baseAddress!, into: $0.baseAddress!) }
      })
    XCTAssertEqual(try PageCodec.zlib.decode(Array(output[..<size]), pageSize: 4096), pages[0])
  }
}
