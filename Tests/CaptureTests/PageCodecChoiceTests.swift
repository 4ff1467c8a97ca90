import Codecs
import Dump
import XCTest

@testable import Capture

final class PageCodecChoiceTests: XCTestCase {
  /// An encoder factory whose `missing` codecs fail as an absent library does.
  private func factory(missing: Set<PageCodec>) -> (PageCodec, Int) throws -> PageEncoder {
    { codec, pageSize in
      if missing.contains(codec) {
        throw CodecError.unavailable(codec: codec.rawValue, library: "lib\(codec.rawValue).so")
      }
      return try PageEncoder(codec: .none, pageSize: pageSize)
    }
  }

  func testTheAskedCodecIsKeptWhenItLoads() {
    let choice = PageCodecChoice.resolve(.zstd, pageSize: 4096, make: factory(missing: []))
    XCTAssertEqual(choice, PageCodecChoice(codec: .zstd, note: nil))
  }

  func testAMissingLibraryFallsBackToZlibWithANote() throws {
    let choice = PageCodecChoice.resolve(.zstd, pageSize: 4096, make: factory(missing: [.zstd]))
    XCTAssertEqual(choice.codec, .zlib)
    let note = try XCTUnwrap(choice.note)
    XCTAssertTrue(note.hasPrefix("zstd pages cannot be written (zstd: "), note)
    XCTAssertTrue(note.contains("libzstd.so"), note)
    XCTAssertTrue(note.hasSuffix("zlib pages written instead"), note)
  }

  func testWithoutZlibTooThePagesAreStoredRaw() throws {
    let choice = PageCodecChoice.resolve(.lzo, pageSize: 4096, make: factory(missing: [.lzo, .zlib]))
    XCTAssertEqual(choice.codec, PageCodec.none)
    let note = try XCTUnwrap(choice.note)
    XCTAssertTrue(note.contains("liblzo.so") && note.contains("libzlib.so"), note)
    XCTAssertTrue(note.hasSuffix("none pages written instead"), note)
  }

  func testAFailingZlibIsNotTriedTwice() throws {
    var tried: [PageCodec] = []
    let choice = PageCodecChoice.resolve(.zlib, pageSize: 4096) { codec, pageSize in
      tried.append(codec)
      return try self.factory(missing: [.zlib])(codec, pageSize)
    }
    XCTAssertEqual(tried, [.zlib, .none])
    XCTAssertEqual(choice.codec, PageCodec.none)
  }

  func testTheRealLibrariesOfThisMachineGiveTheAskedCodecOrSayWhy() {
    for codec in PageCodec.allCases {
      let choice = PageCodecChoice.resolve(codec, pageSize: 4096)
      XCTAssertEqual(choice.codec == codec, choice.note == nil, "\(codec): \(choice)")
    }
  }
}
