import Dispatch
import Foundation
import XCTest

@testable import Bytes

/// The mapped window a capture reads /proc/vmcore through, checked on regular files
/// (`FileBytes.Windows.always`): every read agrees with the file's bytes, across window
/// boundaries, at the file's unaligned end and from several threads at once.
final class MappedWindowTests: XCTestCase {
  var directory: String!

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "mapped-window-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// 9 MiB and 4,321 bytes: two whole windows and a short third that ends inside a page.
  static let size = 9 << 20 + 4321

  func makeFile() throws -> (path: String, bytes: [UInt8]) {
    let bytes = (0..<Self.size).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
    let path = directory + "/vmcore"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return (path, bytes)
  }

  func testReadsThroughTheWindowMatchTheFile() throws {
    let (path, bytes) = try makeFile()
    let file = try FileBytes(path: path, access: .readOnce, windows: .always)
    XCTAssertTrue(file.readsThroughWindow)
    XCTAssertNil(file.mapping)
    let window = 4 << 20
    let reads: [(offset: Int, count: Int)] = [
      (0, 64), (window - 100, 200), (window - 4096, 128 * 4096), (5, 2 * window + 100),
      (Self.size - 4321, 4321), (Self.size - 1, 1), (100, 70_000), (window * 2 + 17, 1000),
      // Backwards, so that the window moves down again.
      (3, 10),
    ]
    for read in reads {
      XCTAssertEqual(
        try file.read(at: UInt64(read.offset), count: read.count),
        Array(bytes[read.offset..<read.offset + read.count]), "\(read)")
    }
    XCTAssertThrowsError(try file.read(at: UInt64(Self.size - 1), count: 2)) {
      XCTAssertEqual(($0 as? BytesError)?.kind, .truncated)
    }
    XCTAssertTrue(file.readsThroughWindow)
  }

  /// The capture's workers read at once from several threads: each gets its own bytes,
  /// although they move the one window back and forth.
  func testConcurrentReadsEachGetTheirBytes() throws {
    let (path, bytes) = try makeFile()
    let file = try FileBytes(path: path, access: .readOnce, windows: .always)
    let pages = Self.size / 4096
    let mismatches = UnsafeMutablePointer<Int>.allocate(capacity: 4)
    mismatches.initialize(repeating: 0, count: 4)
    defer { mismatches.deallocate() }
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
      var buffer = [UInt8](repeating: 0, count: 8 * 4096)
      // Each thread walks the file from a different place, 8 pages at a time.
      for step in 0..<200 {
        let page = (thread * pages / 4 + step * 37) % (pages - 8)
        buffer.withUnsafeMutableBytes { target in
          try? file.copyBytes(at: UInt64(page * 4096), count: target.count, into: target)
        }
        if buffer[...] != bytes[page * 4096..<page * 4096 + buffer.count] { mismatches[thread] += 1 }
      }
    }
    XCTAssertEqual((0..<4).map { mismatches[$0] }, [0, 0, 0, 0])
  }

  /// Reads that go back and forth between two places far apart keep both mapped; a
  /// fifth place moves the least recently used window only.
  func testLeastRecentlyUsedWindowMoves() throws {
    let (path, bytes) = try makeFile()
    let descriptor = open(path, O_RDONLY)
    XCTAssertGreaterThanOrEqual(descriptor, 0)
    defer { close(descriptor) }
    let window = MappedWindow(descriptor: descriptor, fileSize: UInt64(bytes.count), windowSize: 64 << 10)
    var buffer = [UInt8](repeating: 0, count: 100)
    func read(_ offset: Int) {
      buffer.withUnsafeMutableBytes {
        XCTAssertTrue(window.copy(at: UInt64(offset), count: 100, into: $0.baseAddress!))
      }
      XCTAssertEqual(buffer[...], bytes[offset..<offset + 100], "at \(offset)")
    }
    for _ in 0..<10 {
      read(1000)
      read(5_000_000)
    }
    XCTAssertEqual(window.mappings, 2)
    read(1_000_000)
    read(2_000_000)
    read(3_000_000)  // The fifth window: the one at 1000 was used least recently.
    XCTAssertEqual(window.mappings, 5)
    read(5_000_000)
    XCTAssertEqual(window.mappings, 5)
    read(1000)
    XCTAssertEqual(window.mappings, 6)
    // A read across a window boundary takes two windows.
    read(64 << 10 - 50)
    XCTAssertEqual(window.mappings, 7)
  }

  /// Cut at regions (the 6.12 capture kernel's /proc/vmcore: the kernel text's segment,
  /// then the first 640 KiB, whose size ends inside a page, then the rest), a window stays
  /// inside one: the one that held the end of the text, all of the 640 KiB and the start
  /// of the next segment is three windows, each mapped whole, and reads across them still
  /// match the file.
  func testWindowsCutAtRegionsStayInsideOne() throws {
    // 49 MiB, sparse but for 2 MiB of distinct bytes around the segments' boundaries.
    let path = directory + "/proc-vmcore"
    let size = 0x310_0000
    let start = 0x2B0_0000
    let written = (0..<0x20_0000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(size))
    try handle.seek(toOffset: UInt64(start))
    try handle.write(contentsOf: Data(written))
    try handle.close()
    let descriptor = open(path, O_RDONLY)
    XCTAssertGreaterThanOrEqual(descriptor, 0)
    defer { close(descriptor) }
    let window = MappedWindow(descriptor: descriptor, fileSize: UInt64(size))
    let segments: [(offset: UInt64, size: UInt64)] = [
      (0x2000, 0x2C3_0000), (0x2C3_2000, 0x9_EC00), (0x2CD_1000, 0x1DF0_0000),
    ]
    XCTAssertEqual(window.range(holding: 0x2C0_0000).length, 4 << 20, "no cut yet")
    window.cut(at: segments.flatMap { [$0.offset, $0.offset + $0.size] }, pageSize: 4096)
    XCTAssertTrue(window.range(holding: 0x2C0_0000) == (0x2C0_0000, 0x3_2000))
    XCTAssertTrue(window.range(holding: 0x2C3_2000) == (0x2C3_2000, 0x9_F000))
    XCTAssertTrue(window.range(holding: 0x2CD_0FFF) == (0x2C3_2000, 0x9_F000))
    XCTAssertTrue(window.range(holding: 0x2CD_1000) == (0x2CD_1000, 0x32_F000))
    XCTAssertTrue(window.range(holding: 0x100_0000) == (0x100_0000, 4 << 20), "inside a segment: uncut")
    XCTAssertTrue(window.range(holding: UInt64(size - 1)) == (0x300_0000, 0x10_0000), "the file's end")
    var buffer = [UInt8](repeating: 0, count: written.count)
    buffer.withUnsafeMutableBytes {
      XCTAssertTrue(window.copy(at: UInt64(start), count: written.count, into: $0.baseAddress!))
    }
    XCTAssertEqual(buffer, written)
    XCTAssertEqual(window.mappings, 4, "the text's window, its cut end, the 640 KiB and the next segment")
  }

  /// Only a file of procfs gets a window unless asked: a regular file is read with
  /// pread(2), as is any file with `.never` (capture --non-mmap).
  func testAutomaticWindowsOnlyOnProcfs() throws {
    let (path, _) = try makeFile()
    XCTAssertFalse(try FileBytes(path: path, access: .readOnce).readsThroughWindow)
    XCTAssertFalse(try FileBytes(path: path, access: .readOnce, windows: .never).readsThroughWindow)
    XCTAssertFalse(try FileBytes(path: path, access: .random, windows: .always).readsThroughWindow)
    // /proc/self/auxv is a procfs file of nonzero size (stat says 0, so it is not
    // windowed either: a window needs a size); its file system is what is checked.
    XCTAssertTrue(FileBytes.onProcfs(path: "/proc/self/auxv"))
    XCTAssertFalse(FileBytes.onProcfs(path: path))
  }
}
