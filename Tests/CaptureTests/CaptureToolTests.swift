import Dump
import XCTest

@testable import Capture

/// The hand-written command line of `capture`, shared by `coroner capture` and the small
/// `coroner-capture` binary.
final class CaptureToolTests: XCTestCase {
  func testDefaultsAndEveryOption() throws {
    let defaults = try XCTUnwrap(CaptureTool.parse(["--to", "/d"], onlineCPUs: 3))
    XCTAssertEqual(defaults.source, "/proc/vmcore")
    XCTAssertEqual(defaults.directory, "/d")
    XCTAssertEqual(defaults.level.rawValue, 31)
    XCTAssertEqual(defaults.codec, .zstd)
    XCTAssertEqual(defaults.threads, 3)
    XCTAssertFalse(defaults.resume)
    XCTAssertFalse(defaults.checksumsDump)
    XCTAssertTrue(defaults.mapsSource)

    let given = try XCTUnwrap(
      CaptureTool.parse(
        [
          "--from", "/v", "--to=/e", "--dump-level", "1", "--compress=zlib", "--threads", "2", "--resume",
          "--checksum", "--non-mmap",
        ],
        onlineCPUs: 8))
    XCTAssertEqual(given.source, "/v")
    XCTAssertEqual(given.directory, "/e")
    XCTAssertEqual(given.level.rawValue, 1)
    XCTAssertEqual(given.codec, .zlib)
    XCTAssertEqual(given.threads, 2)
    XCTAssertTrue(given.resume)
    XCTAssertTrue(given.checksumsDump)
    XCTAssertFalse(given.mapsSource)
    XCTAssertThrowsError(try CaptureTool.parse(["--to", "/d", "--checksum=yes"], onlineCPUs: 1))
  }

  func testHelpIsNilOptions() throws {
    XCTAssertNil(try CaptureTool.parse(["--help"], onlineCPUs: 1))
    XCTAssertNil(try CaptureTool.parse(["--to", "/d", "-h"], onlineCPUs: 1))
  }

  /// --cyclic-buffer is KiB per bitmap, as makedumpfile's; 2 MiB when not given.
  func testCyclicBufferIsKiBPerBitmap() throws {
    let given = try XCTUnwrap(CaptureTool.parse(["--to", "/d", "--cyclic-buffer", "4"], onlineCPUs: 1))
    XCTAssertEqual(given.cyclicBufferBytes, 4096)
    let unset = try XCTUnwrap(CaptureTool.parse(["--to", "/d"], onlineCPUs: 1))
    XCTAssertEqual(unset.cyclicBufferBytes, 2 << 20)
  }

  func testBadCommandLinesSayWhy() {
    let cases: [([String], String)] = [
      ([], "missing --to DIR"),
      (["--to"], "--to needs a value"),
      (["--to", "/d", "--dump-level", "32"], "--dump-level must be 0 to 31, not '32'"),
      (
        ["--to", "/d", "--compress", "gzip"],
        "--compress must be one of none, zlib, lzo, snappy, zstd, not 'gzip'"
      ),
      (["--to", "/d", "--threads", "0"], "--threads must be 1 to 16, not '0'"),
      (["--to", "/d", "--cyclic-buffer", "0"], "--cyclic-buffer must be 1 to 1048576 KiB, not '0'"),
      (["--to", "/d", "--cyclic-buffer=1048577"], "--cyclic-buffer must be 1 to 1048576 KiB, not '1048577'"),
      (["--to", "/d", "--resume=yes"], "--resume takes no value"),
      (["--to", "/d", "extra"], "unknown argument 'extra'"),
    ]
    for (arguments, expected) in cases {
      XCTAssertThrowsError(try CaptureTool.parse(arguments, onlineCPUs: 1), "\(arguments)") { error in
        XCTAssertEqual((error as? CaptureTool.UsageError)?.description, expected)
      }
    }
  }

  func testRunReportsUsageErrorsWithStatus64() {
    var written = ""
    let status = CaptureTool.run(
      ["--to"], program: "coroner-capture", terminal: false, write: { written += $0 }, help: { _ in })
    XCTAssertEqual(status, 64)
    XCTAssertTrue(written.hasPrefix("coroner-capture: error: --to needs a value\nUSAGE: capture"), written)
  }
}
