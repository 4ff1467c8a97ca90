import Codecs
import Dump
import XCTest

@testable import Capture

/// A same-filled page's copied stream is the stream its codec writes for it.
final class SameFilledPageTests: XCTestCase {
  let pageSize = 4096

  func filled(_ word: UInt64) -> [UInt8] {
    (0..<pageSize / 8).flatMap { _ in withUnsafeBytes(of: word.littleEndian) { [UInt8]($0) } }
  }

  /// A page's stream from an encoder that has seen nothing before it.
  func fresh(_ codec: PageCodec, _ page: [UInt8]) throws -> [UInt8]? {
    let encoder = try PageEncoder(codec: codec, pageSize: pageSize)
    var output = [UInt8](repeating: 0, count: encoder.outputCapacity)
    let size = page.withUnsafeBytes { page in
      output.withUnsafeMutableBytes { encoder.encode(page.baseAddress!, into: $0.baseAddress!) }
    }
    return size.map { Array(output[..<$0]) }
  }

  func testTheWordIsFoundOnlyWhenEveryWordIsTheSame() {
    for word: UInt64 in [0, 0xcccc_cccc_cccc_cccc, 0x6b6b_6b6b_6b6b_6b6b, 0xdead_beef_0000_0001] {
      filled(word).withUnsafeBytes {
        XCTAssertEqual(SameFilledPage.word($0.baseAddress!, size: pageSize), word)
      }
    }
    for spoiled in [0, 8, 2047, pageSize - 1] {
      var page = filled(0xcccc_cccc_cccc_cccc)
      page[spoiled] = 0xcd
      page.withUnsafeBytes {
        XCTAssertNil(SameFilledPage.word($0.baseAddress!, size: pageSize), "\(spoiled)")
      }
    }
  }

  /// The zero test reads 128 bytes at a time: one byte set anywhere, in any lane of
  /// any block, the first and the last, makes a page not zero, for every page size.
  func testZeroPagesAreThoseWithNoByteSet() {
    for size in [4096, 16384, 65536] {
      var page = [UInt8](repeating: 0, count: size)
      page.withUnsafeBytes { XCTAssertTrue(ChunkWorker.isZero($0.baseAddress!, size), "\(size)") }
      for spoiled in [0, 1, 15, 16, 127, 128, 2047, 4095, size - 128, size - 9, size - 1] {
        page[spoiled] = 0x01
        page.withUnsafeBytes {
          XCTAssertFalse(ChunkWorker.isZero($0.baseAddress!, size), "\(size): byte \(spoiled)")
        }
        page[spoiled] = 0
      }
    }
  }

  /// One encoder sees more same-filled words than it keeps, over and over, between
  /// ordinary pages: each page's stream equals what a new encoder writes for it.
  func testCopiedStreamsAreTheCodecsOwnForEveryCodec() throws {
    let words: [UInt64] = [
      0xcccc_cccc_cccc_cccc, 0, 0xffff_ffff_ffff_ffff, 0x6b6b_6b6b_6b6b_6b6b, 0x0123_4567_89ab_cdef,
      0x5a5a_5a5a_5a5a_5a5a,
    ]
    XCTAssertGreaterThan(words.count, SameFilledPage.slots)
    var ordinary = [UInt8](repeating: 0, count: pageSize)
    for index in ordinary.indices { ordinary[index] = UInt8(truncatingIfNeeded: index * 7 / 5 + index / 64) }
    var tested = 0
    for codec in PageCodec.allCases where codec != .none {
      guard let encoder = try? PageEncoder(codec: codec, pageSize: pageSize) else { continue }
      tested += 1
      var output = [UInt8](repeating: 0, count: encoder.outputCapacity)
      for round in 0..<3 {
        for word in words + words.reversed() {
          for page in [filled(word), ordinary] {
            let size = page.withUnsafeBytes { page in
              output.withUnsafeMutableBytes { encoder.encode(page.baseAddress!, into: $0.baseAddress!) }
            }
            XCTAssertEqual(
              size.map { Array(output[..<$0]) }, try fresh(codec, page), "\(codec) round \(round) \(word)")
            if let size {
              XCTAssertEqual(
                try XCTUnwrap(PageCodec(flags: encoder.flag)).decode(
                  Array(output[..<size]), pageSize: pageSize), page,
                "\(codec) \(word)")
            }
          }
        }
      }
    }
    XCTAssertGreaterThanOrEqual(tested, 2, "zlib and at least one other codec")
  }
}
