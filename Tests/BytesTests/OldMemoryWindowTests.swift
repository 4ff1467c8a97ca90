import Foundation
import XCTest

@testable import Bytes

/// /proc/vmcore is read through a moving mapped window; the bytes must be those pread(2)
/// gives, wherever a read starts and ends: inside the window, across its edge, larger
/// than it, and in the file's last partial page, which is never mapped.
final class OldMemoryWindowTests: XCTestCase {
  var path: String!

  override func setUpWithError() throws {
    path = NSTemporaryDirectory() + "old-memory-\(getpid())-\(UUID().uuidString)"
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: path)
  }

  func testOnlyProcFilesReadOnceHaveAWindow() throws {
    XCTAssertNotNil(try FileBytes(path: "/proc/self/stat", access: .readOnce).window)
    XCTAssertNil(try FileBytes(path: "/proc/self/stat", access: .random).window)
    try Data(count: 4096).write(to: URL(fileURLWithPath: path))
    XCTAssertNil(try FileBytes(path: path, access: .readOnce).window)
  }

  func testReadsThroughTheWindowEqualTheFile() throws {
    // Two windows and a bit, not a whole number of pages.
    let window = Int(OldMemoryWindow.size)
    let bytes = (0..<(2 * window + 10_003)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 11) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let file = try FileBytes(
      adopting: try FileBytes.openDescriptor(path), path: path, access: .readOnce, windowed: true)
    XCTAssertNil(file.mapping)
    let reads = [
      (0, 4096), (5, 11), (777, 65_537), (window - 4096, 8192), (window - 3, window + 6),
      (window + 1, 100), (bytes.count - 10_003, 10_003), (bytes.count - 7, 7), (3, 3), (0, bytes.count),
    ]
    for (offset, count) in reads {
      XCTAssertEqual(
        try file.read(at: UInt64(offset), count: count), Array(bytes[offset..<offset + count]),
        "\(count) bytes at \(offset)")
    }
    // The window itself, not pread(2), copied a range inside the mappable pages, and
    // refused the last partial page.
    var copied = [UInt8](repeating: 0, count: 9000)
    XCTAssertTrue(
      copied.withUnsafeMutableBytes { file.window!.copy(at: 4095, count: 9000, into: $0.baseAddress!) })
    XCTAssertEqual(copied, Array(bytes[4095..<13_095]))
    XCTAssertFalse(
      copied.withUnsafeMutableBytes {
        file.window!.copy(at: UInt64(bytes.count - 5), count: 5, into: $0.baseAddress!)
      })
    XCTAssertThrowsError(try file.read(at: UInt64(bytes.count - 4), count: 5)) {
      XCTAssertEqual(($0 as? BytesError)?.kind, .truncated)
    }
  }

  /// Reads that jump between more places than there are windows (as a capture's threads
  /// do, each in its own chunk) still read the file's bytes as the windows are replaced.
  func testReadsJumpingBetweenWindowsEqualTheFile() throws {
    let window = Int(OldMemoryWindow.size)
    let places = OldMemoryWindow.count + 2
    let bytes = (0..<(places * window)).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ $0 >> 13) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let file = try FileBytes(
      adopting: try FileBytes.openDescriptor(path), path: path, access: .readOnce, windowed: true)
    for round in 0..<3 {
      for place in [0, places - 1, 2, 0, places - 2, 1, places - 1, 3] {
        let offset = place * window + round * 12_289 + place * 4096
        XCTAssertEqual(
          try file.read(at: UInt64(offset), count: 5000), Array(bytes[offset..<offset + 5000]),
          "round \(round), 5000 bytes at \(offset)")
      }
    }
  }
}
