import TestSupport
import XCTest

@testable import Codecs

/// `Zstd.firstBlockLiterals` against frames built here by RFC 8878's layout, which libzstd
/// decodes to exactly their literals, and against libzstd's own frames.
final class ZstdFrameLiteralsTests: XCTestCase {
  /// A frame of one compressed block that holds `count` raw literals (Literals_Block_Type
  /// 0, the given Size_Format) and no sequence. Its window is 8 KiB: a block may not be
  /// larger than the window (Block_Maximum_Size, RFC 8878 §3.1.1.2.4), and a block of raw
  /// literals is larger than its content, which is a single-segment frame's window; newer
  /// decoders refuse such a frame (libzstd 1.5.4+dfsg2-5+deb12u1 among them).
  func rawLiteralsFrame(_ literals: [UInt8], sizeFormat: Int) -> [UInt8] {
    let count = literals.count
    var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    // A 4-byte Frame_Content_Size, then Window_Descriptor 0x18: 2^(10 + 3) bytes.
    frame += [0x80, 0x18, UInt8(count & 0xFF), UInt8(count >> 8), 0, 0]
    let header: [UInt8]
    switch sizeFormat {
    case 0: header = [UInt8(count << 3)]
    case 1: header = [UInt8(1 << 2 | (count & 15) << 4), UInt8(count >> 4)]
    default: header = [UInt8(3 << 2 | (count & 15) << 4), UInt8((count >> 4) & 0xFF), UInt8(count >> 12)]
    }
    let block = header + literals + [0]  // Number_of_Sequences 0
    let blockHeader = 1 | 2 << 1 | block.count << 3  // last, compressed
    frame += [UInt8(blockHeader & 0xFF), UInt8((blockHeader >> 8) & 0xFF), UInt8(blockHeader >> 16)]
    return frame + block
  }

  func literals(_ frame: [UInt8]) -> Int? {
    frame.withUnsafeBytes { Zstd.firstBlockLiterals($0.baseAddress!, count: $0.count) }
  }

  func testBuiltFramesDecodeToTheirLiteralsAndTheirCountIsRead() throws {
    try XCTSkipUnless(Zstd.isAvailable, "libzstd.so.1 is not installed")
    for (count, sizeFormat) in [(20, 0), (31, 0), (1000, 1), (4095, 1), (4096, 3)] {
      let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 >> 3) }
      let frame = rawLiteralsFrame(bytes, sizeFormat: sizeFormat)
      var output = [UInt8](repeating: 0, count: count + 16)
      let written = try frame.withUnsafeBytes { input in
        try output.withUnsafeMutableBytes { try Zstd.decompress(input, into: $0) }
      }
      XCTAssertEqual(Array(output[..<written]), bytes, "\(count) literals, format \(sizeFormat)")
      XCTAssertEqual(literals(frame), count, "\(count) literals, format \(sizeFormat)")
    }
  }

  func testWhatIsNotACompressedBlockGivesNil() {
    let frame = rawLiteralsFrame([1, 2, 3], sizeFormat: 0)
    var rawBlock = frame
    rawBlock[10] = 1 | 0 << 1 | UInt8(3 << 3)  // Block_Type 0: raw
    XCTAssertNil(literals(rawBlock))
    var otherMagic = frame
    otherMagic[0] = 0x29
    XCTAssertNil(literals(otherMagic))
    XCTAssertNil(literals(Array(frame.prefix(9))))
  }

  /// libzstd's frames of a page: few literals where it finds matches, most of the page
  /// where only 3-byte runs repeat, and nil for random bytes (a raw block).
  func testLibzstdFramesOfPages() throws {
    try XCTSkipUnless(Zstd.isAvailable, "libzstd.so.1 is not installed")
    let compressor = try Zstd.Compressor(level: 1, minimumMatch: 4)
    var generator = SystemRandomNumberGenerator()
    func frameLiterals(_ page: [UInt8]) -> Int? {
      var output = [UInt8](repeating: 0, count: compressor.bound(page.count))
      return page.withUnsafeBytes { page in
        output.withUnsafeMutableBytes { output -> Int? in
          guard
            let size = compressor.compress(
              page.baseAddress!, count: page.count, into: output.baseAddress!, capacity: output.count)
          else { return nil }
          return Zstd.firstBlockLiterals(output.baseAddress!, count: size)
        }
      }
    }
    XCTAssertLessThan(try XCTUnwrap(frameLiterals(SamplePages.text)), 100)
    XCTAssertGreaterThan(try XCTUnwrap(frameLiterals(SamplePages.offsetTable)), 4096 * 9 / 10)
    XCTAssertNil(frameLiterals((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }))
  }

  /// Frames written with a hash table of Coroner's choosing (ZSTD_compress_advanced)
  /// decompress to the page, state its size, and hold the same literals shape as
  /// ZSTD_compress2's.
  func testFastFramesWithALargerHashTableRoundTrip() throws {
    try XCTSkipUnless(Zstd.isAvailable, "libzstd.so.1 is not installed")
    let plain = try Zstd.Compressor(level: 1, minimumMatch: 4)
    let wide = try Zstd.Compressor(level: 1, minimumMatch: 4, hashLog: 16)
    var generator = SystemRandomNumberGenerator()
    let random = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
    for page in [SamplePages.text, SamplePages.offsetTable, random] {
      func frameOf(_ compressor: Zstd.Compressor) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: compressor.bound(page.count))
        let size = try page.withUnsafeBytes { page in
          try output.withUnsafeMutableBytes { output in
            try XCTUnwrap(
              compressor.compress(
                page.baseAddress!, count: page.count, into: output.baseAddress!, capacity: output.count))
          }
        }
        return Array(output.prefix(size))
      }
      let frame = try frameOf(wide)
      var back = [UInt8](repeating: 0, count: page.count)
      let written = try frame.withUnsafeBytes { input in
        try back.withUnsafeMutableBytes { try Zstd.decompress(input, into: $0) }
      }
      XCTAssertEqual(Array(back.prefix(written)), page)
      XCTAssertEqual(try frame.withUnsafeBytes { try Zstd.frameContentSize($0) }, UInt64(page.count))
      XCTAssertLessThanOrEqual(frame.count, try frameOf(plain).count + 16)
    }
  }
}
