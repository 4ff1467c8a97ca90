import Bytes
import Foundation
import XCTest

final class FileBytesTests: XCTestCase {
  var directory: String!

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "file-bytes-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func write(_ bytes: [UInt8], _ name: String) throws -> String {
    let path = directory + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Every access mode reads the same bytes, small reads from the mapping and large
  /// ones by pread(2) alike.
  func testMappedAndPreadReadsAgree() throws {
    let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
    let path = try write(bytes, "data")
    for access in [FileBytes.Access.random, .scan, .readOnce] {
      let file = try FileBytes(path: path, access: access)
      XCTAssertEqual(file.size, UInt64(bytes.count))
      XCTAssertEqual(file.mapping != nil, access != .readOnce)
      XCTAssertEqual(try file.read(at: 5, count: 11), Array(bytes[5..<16]))
      XCTAssertEqual(try file.read(at: 1000, count: 200_000), Array(bytes[1000..<201_000]))
      XCTAssertEqual(try file.view().bytes(299_990, 10), Array(bytes[299_990...]))
      XCTAssertThrowsError(try file.read(at: 299_999, count: 2)) {
        XCTAssertEqual(($0 as? BytesError)?.kind, .truncated)
        XCTAssertEqual(($0 as? BytesError)?.offset, 299_999)
      }
    }
  }

  func testEmptyFileReadsAsEmpty() throws {
    let file = try FileBytes(path: try write([], "empty"))
    XCTAssertEqual(file.size, 0)
    XCTAssertEqual(try file.read(at: 0, count: 0), [])
    XCTAssertThrowsError(try file.read(at: 0, count: 1))
  }

  func testMissingFileAndDirectoryNameWhatWasWrong() {
    XCTAssertThrowsError(try FileBytes(path: directory + "/none")) {
      let error = $0 as? BytesError
      XCTAssertEqual(error?.kind, .io)
      XCTAssertEqual(error?.systemError, ENOENT)
      XCTAssertEqual(error?.path, self.directory + "/none")
    }
    XCTAssertThrowsError(try FileBytes(path: directory)) {
      XCTAssertTrue("\($0)".contains("found a directory"), "\($0)")
    }
  }

  /// A FIFO has no offsets: it is refused at once, without waiting for a writer.
  func testFifoIsRefusedWithoutBlocking() throws {
    let path = directory + "/fifo"
    XCTAssertEqual(mkfifo(path, 0o600), 0)
    XCTAssertThrowsError(try FileBytes(path: path)) {
      XCTAssertTrue("\($0)".contains("found a FIFO"), "\($0)")
    }
  }

  /// A FIFO without a writer reads as an empty stream instead of waiting forever; a
  /// regular file read as a stream is bounded by the limit.
  func testStreamsAreBounded() throws {
    let fifo = directory + "/fifo"
    XCTAssertEqual(mkfifo(fifo, 0o600), 0)
    XCTAssertEqual(try StreamBytes.read(path: fifo, limit: 10, idleSeconds: 1), [])
    let path = try write(Array(repeating: 0x41, count: 100), "text")
    XCTAssertEqual(try StreamBytes.read(path: path, limit: 100).count, 100)
    XCTAssertThrowsError(try StreamBytes.read(path: path, limit: 99)) {
      XCTAssertTrue("\($0)".contains("at most 99 bytes"), "\($0)")
    }
  }

  /// The head check sees the first bytes once and can stop an endless stream there:
  /// /dev/zero is refused after its first chunk, not read up to the limit.
  func testHeadCheckStopsAStreamAtItsStart() throws {
    var seen: [Int] = []
    let refusal = BytesError(.malformed, path: "/dev/zero", offset: 0, expected: "text")
    XCTAssertThrowsError(
      try StreamBytes.read(path: "/dev/zero", limit: 1 << 30, headSize: 4096) { head in
        seen.append(head.count)
        return head.allSatisfy { $0 == 0 } ? refusal : nil
      }
    ) { XCTAssertEqual($0 as? BytesError, refusal) }
    XCTAssertEqual(seen.count, 1)
    XCTAssertGreaterThanOrEqual(seen[0], 4096)
    XCTAssertLessThan(seen[0], 1 << 20)

    // A stream shorter than the head size is checked at its end, once.
    let path = try write(Array(repeating: 0x41, count: 100), "short")
    var checks = 0
    let bytes = try StreamBytes.read(path: path, limit: 1000, headSize: 4096) { head in
      checks += 1
      XCTAssertEqual(head.count, 100)
      return nil
    }
    XCTAssertEqual(bytes.count, 100)
    XCTAssertEqual(checks, 1)
  }

  func testSharedLibraryFindsLibcAndRefusesTheMissing() {
    XCTAssertNil(SharedLibrary(["libno-such-library.so.9"]))
    let libc = SharedLibrary(["libc.so.6"])
    typealias Strlen = @convention(c) (UnsafePointer<CChar>?) -> Int
    XCTAssertEqual(libc?.function("strlen", as: Strlen.self)?("four"), 4)
    XCTAssertNil(libc?.function("no_such_symbol", as: Strlen.self))
  }
}
