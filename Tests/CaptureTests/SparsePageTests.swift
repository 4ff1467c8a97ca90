import Codecs
import Dump
import XCTest

@testable import Capture

/// Sparse pages (`SparsePage`): found by their sampled bytes, and written by zstd with their
/// literals raw, every page still decoded to itself.
final class SparsePageTests: XCTestCase {
  /// A zero page whose first `filled` bytes take `symbols` values, 1 to `symbols`, in a
  /// fixed pseudo-random order: few distinct bytes that zstd finds few matches in.
  private func page(filled: Int, symbols: Int) -> [UInt8] {
    var state: UInt32 = 12345
    var page = [UInt8](repeating: 0, count: 4096)
    for index in 0..<filled {
      state = state &* 1_103_515_245 &+ 12345
      page[index] = UInt8(1 + Int(state >> 16) % symbols)
    }
    return page
  }

  private func isSparse(_ page: [UInt8]) -> Bool {
    page.withUnsafeBytes { SparsePage.isSparse($0.baseAddress!, size: $0.count) }
  }

  func testMostlyZeroPagesAndPagesOfFieldsAreSparse() {
    XCTAssertTrue(isSparse(page(filled: 1024, symbols: 6)))
    XCTAssertTrue(isSparse(page(filled: 2048, symbols: 14)))
    // More than half of the samples zero: sparse whatever the values.
    XCTAssertTrue(isSparse(page(filled: 1024, symbols: 40)))
    // Half or fewer of the samples zero, 41 values among the top and the low bytes.
    XCTAssertFalse(isSparse(page(filled: 2048, symbols: 40)))
    XCTAssertFalse(isSparse(page(filled: 2560, symbols: 40)))
    // Fields: 7 top-byte values, 7 low-byte values, 48 of 128 low bytes zero.
    XCTAssertTrue(isSparse(page(filled: 2560, symbols: 6)))
    // 34 of 128 zero: too few for fields.
    XCTAssertFalse(isSparse(page(filled: 3000, symbols: 6)))
    XCTAssertFalse(
      isSparse(Array(String(repeating: "[    1.234567] usb 1-1: new device\n", count: 120).utf8.prefix(4096)))
    )
  }

  /// The literals section's type (RFC 8878 §3.1.1.3.1.1: 0 raw, 2 Huffman-coded) of a
  /// single-segment frame's first block.
  private func literalsType(_ frame: UnsafeRawPointer) -> Int {
    let bytes = frame.assumingMemoryBound(to: UInt8.self)
    let descriptor = Int(bytes[4])
    XCTAssertEqual(descriptor >> 5 & 1, 1, "single segment")
    let contentSizeBytes = descriptor >> 6 == 0 ? 1 : 1 << (descriptor >> 6)
    let block = 5 + ((1 << (descriptor & 3)) >> 1) + contentSizeBytes
    XCTAssertEqual(Int(bytes[block]) >> 1 & 3, 2, "a compressed block")
    return Int(bytes[block + 3]) & 3
  }

  func testZstdStoresASparsePagesLiteralsRaw() throws {
    try XCTSkipUnless(Zstd.isAvailable, "libzstd.so.1 is not installed")
    let encoder = try PageEncoder(codec: .zstd, pageSize: 4096)
    let output = UnsafeMutableRawPointer.allocate(byteCount: encoder.outputCapacity, alignment: 16)
    defer { output.deallocate() }
    var decoded = [UInt8](repeating: 0, count: 4096)
    let cases = [
      (1024, 6, true), (2048, 14, true), (1024, 40, true), (2560, 6, true), (2048, 40, false),
      (3000, 6, false),
    ]
    for (filled, symbols, sparse) in cases {
      let page = page(filled: filled, symbols: symbols)
      XCTAssertEqual(isSparse(page), sparse)
      let size = try XCTUnwrap(page.withUnsafeBytes { encoder.encode($0.baseAddress!, into: output) })
      XCTAssertEqual(encoder.flag, PageCodec.zstd.flag)
      XCTAssertEqual(literalsType(output), sparse ? 0 : 2, "\(filled) bytes of \(symbols) values")
      let written = try decoded.withUnsafeMutableBytes {
        try Zstd.decompress(UnsafeRawBufferPointer(start: output, count: size), into: $0)
      }
      XCTAssertEqual(written, 4096)
      XCTAssertEqual(decoded, page)
    }
  }

  /// With CORONER_CAPTURE_ZSTD_HUFFMAN unset (as in the test run), the raw-literals
  /// context exists wherever libzstd takes the parameter (1.4.0 and later).
  func testTheLibraryTakesRawLiterals() throws {
    try XCTSkipUnless(Zstd.isAvailable, "libzstd.so.1 is not installed")
    XCTAssertTrue(PageEncoder.sparseRaw)
    XCTAssertTrue(try Zstd.Compressor(level: 1, minimumMatch: 4, rawLiterals: true).literalsRaw)
    XCTAssertFalse(try Zstd.Compressor(level: 1, minimumMatch: 4, hashLog: 16).literalsRaw)
  }
}
