import Dump
import Foundation
import XCTest

@testable import Capture

#if canImport(Glibc)
  import Glibc
#endif

/// `capture --to - --log-to DIR`: the dump as makedumpfile's flattened stream on standard
/// output, the log and crash.json in DIR.
final class CaptureStreamTests: XCTestCase {
  var scratch: String!

  override func setUpWithError() throws {
    scratch = NSTemporaryDirectory() + "capture-stream-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: scratch)
  }

  func run(_ arguments: [String], standardOutput: Int32 = 1) -> (status: Int32, text: String) {
    var text = ""
    let status = CaptureTool.run(
      arguments, program: "coroner", terminal: false, write: { text += $0 }, help: { _ in },
      standardOutput: standardOutput)
    return (status, text)
  }

  func testStreamCommandLines() throws {
    let options = try XCTUnwrap(CaptureTool.parse(["--to", "-", "--log-to", "/l"], onlineCPUs: 1))
    XCTAssertTrue(options.standardOutput)
    XCTAssertEqual(options.directory, "/l")
    XCTAssertFalse(try XCTUnwrap(CaptureTool.parse(["--to", "/d"], onlineCPUs: 1)).standardOutput)
    let cases: [([String], String)] = [
      (["--to", "-"], "--to - needs --log-to DIR, the folder for the log and crash.json"),
      (["--to", "/d", "--log-to", "/l"], "--log-to goes with --to - only"),
      (["--to", "-", "--log-to", "/l", "--resume"], "--resume cannot continue a stream (--to -)"),
    ]
    for (arguments, expected) in cases {
      XCTAssertThrowsError(try CaptureTool.parse(arguments, onlineCPUs: 1), "\(arguments)") { error in
        XCTAssertEqual((error as? CaptureTool.UsageError)?.description, expected)
      }
    }
  }

  /// The stream rebuilt by `makedumpfile -R`'s rules is the dump `--to DIR` writes, byte
  /// for byte but the header's timestamp; the log and crash.json are in --log-to's folder.
  func testTheStreamRebuildsToTheDumpOfAFolderCapture() throws {
    let source = scratch + "/small.elf"
    try Data(SyntheticElf.build(ranges: [1..<40, 64..<100]) { SyntheticElf.page($0) })
      .write(to: URL(fileURLWithPath: source))
    let folder = run(["--from", source, "--to", scratch + "/folder", "--dump-level", "0"])
    XCTAssertEqual(folder.status, 0, folder.text)

    let streamPath = scratch + "/stream.flat"
    let descriptor = open(streamPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    XCTAssertGreaterThanOrEqual(descriptor, 0)
    let streamed = run(
      ["--from", source, "--to", "-", "--log-to", scratch + "/logs", "--dump-level", "0"],
      standardOutput: descriptor)
    close(descriptor)
    XCTAssertEqual(streamed.status, 0, streamed.text)
    XCTAssertTrue(streamed.text.contains("to standard output:"), streamed.text)
    XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/logs/crash.json"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/logs/dump.kdump"))
    let record = try String(contentsOfFile: scratch + "/logs/crash.json", encoding: .utf8)
    XCTAssertTrue(
      record.contains(#""file": "standard output", "format": "flattened kdump-compressed""#), record)

    let input = open(streamPath, O_RDONLY)
    defer { close(input) }
    let rebuilt = try FileDumpOutput(path: scratch + "/rebuilt.kdump")
    _ = try FlattenedRearrange.run(from: input, name: streamPath, into: rebuilt)
    var expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch + "/folder/dump.kdump")))
    var found = [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch + "/rebuilt.kdump")))
    XCTAssertEqual(found.count, expected.count)
    // disk_dump_header.timestamp (struct timeval at offset 408) is the time of each run.
    for offset in 408..<424 where offset < min(found.count, expected.count) {
      found[offset] = 0
      expected[offset] = 0
    }
    XCTAssertTrue(found == expected, "the rebuilt stream differs from the folder's dump")
  }

  /// A stream cut by its reader (a closed pipe) is a failed write: exit 74, the log kept.
  func testAClosedPipeFailsTheCaptureWith74() throws {
    let source = scratch + "/small.elf"
    try Data(SyntheticElf.build(ranges: [1..<40]) { SyntheticElf.page($0) })
      .write(to: URL(fileURLWithPath: source))
    var ends: [Int32] = [0, 0]
    XCTAssertEqual(pipe(&ends), 0)
    close(ends[0])
    let previous = signal(SIGPIPE, SIG_IGN)
    defer { signal(SIGPIPE, previous) }
    let result = run(
      ["--from", source, "--to", "-", "--log-to", scratch + "/logs", "--dump-level", "0"],
      standardOutput: ends[1])
    close(ends[1])
    XCTAssertEqual(result.status, 74, result.text)
    XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/logs/crash.json"))
  }
}
