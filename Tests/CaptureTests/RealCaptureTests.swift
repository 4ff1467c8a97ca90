import Dump
import Foundation
import Lab
import TestSupport
import XCTest

@testable import Capture

/// `coroner capture` on a real in-guest vmcore, checked against the reference tools:
/// the whole /proc/vmcore of the lab's `panic` scene on 6.1 (the scene cache boots it
/// once).
final class RealCaptureTests: XCTestCase {
  func vmcore() throws -> String {
    try LabGate.scene("panic", on: .v6_1, capture: .kdump, dump: .whole).vmcore.path
  }

  func scratch(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("capture-\(name)-\(getpid())")
      .path
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// A reference tool's standard output (and standard error, for makedumpfile's
  /// statistics); a missing tool is a missing input, a failing one an error.
  @discardableResult
  func run(_ tool: String, _ arguments: [String], stderr: Bool = false) throws -> String {
    let run = try ToolRun.launch(tool, arguments)
    guard run.succeeded else { throw ToolFailure(run: run) }
    return run.text + (stderr ? String(decoding: run.stderr, as: UTF8.self) : "")
  }

  func dmesg(_ path: String, style: (PrintkRecord, inout [UInt8]) -> Void) throws -> String {
    var output: [UInt8] = []
    for record in try Vmcore.open(path: path).kernelLog().records { style(record, &output) }
    return String(decoding: output, as: UTF8.self)
  }

  /// makedumpfile's statistics (`--message-level 31`): "Free pages : 0x...".
  func statistic(_ name: String, in text: String) -> UInt64? {
    for line in text.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix(name) {
      if let value = line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces),
        value.hasPrefix("0x")
      {
        return UInt64(value.dropFirst(2), radix: 16)
      }
    }
    return nil
  }

  /// With one cycle (the default buffer covers the guest's RAM) and with cycles of 8192
  /// frames (--cyclic-buffer 1): the same checks, and the same dump.
  func testCaptureAtLevel31MatchesTheReferenceTools() throws {
    var dumps: [[UInt8]] = []
    for buffer in [PageCycles.defaultBufferBytes, 1 << 10] {
      var bytes = try captureAtLevel31(cyclicBufferBytes: buffer)
      // disk_dump_header.timestamp (struct timeval at offset 408) is the time of each run.
      for offset in 408..<424 where offset < bytes.count { bytes[offset] = 0 }
      dumps.append(bytes)
    }
    XCTAssertTrue(dumps[0] == dumps[1], "cycles of 8192 frames wrote another dump")
  }

  func captureAtLevel31(cyclicBufferBytes: Int) throws -> [UInt8] {
    let source = try vmcore()
    let folder = try scratch("31")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var options = CaptureSession.Options(
      source: source, directory: folder, level: .all, codec: .zlib, threads: 2)
    options.cyclicBufferBytes = cyclicBufferBytes
    // The dump's checksum is asked for in one of the two runs (capture --checksum).
    options.checksumsDump = cyclicBufferBytes == PageCycles.defaultBufferBytes
    let report = try CaptureSession(options: options).run()
    XCTAssertTrue(report.complete)
    let dump = folder + "/" + CaptureSession.dumpName
    // The log saved first, the log in the dump, and vmcore-dmesg on the source agree.
    let saved = try String(contentsOfFile: folder + "/dmesg.txt", encoding: .utf8)
    XCTAssertEqual(try dmesg(dump, style: DmesgFormatter.vmcoreDmesg), saved)
    XCTAssertEqual(saved, try run("vmcore-dmesg", [source]))
    XCTAssertEqual(
      try String(contentsOfFile: folder + "/dmesg.json", encoding: .utf8).split(separator: "\n").count,
      report.logRecords)
    // crash.json names the panic, the dump's size, and its checksum when asked for.
    let crash = try String(contentsOfFile: folder + "/crash.json", encoding: .utf8)
    XCTAssertTrue(crash.contains("\"panic_message\": \"sysrq triggered crash\""), crash)
    let (size, digest) = try SmallFile.sha256(dump)
    let entry = "{\"name\": \"\(CaptureSession.dumpName)\", \"bytes\": \(size), \"sha256\": "
    XCTAssertTrue(crash.contains(entry + (options.checksumsDump ? "\"\(digest)\"}" : "null}")), crash)
    let (_, logDigest) = try SmallFile.sha256(folder + "/dmesg.txt")
    XCTAssertTrue(crash.contains("\"sha256\": \"\(logDigest)\""), crash)

    // makedumpfile reads our dump's log as it reads the source's.
    let ours = folder + "/md-ours.txt"
    let theirs = folder + "/md-source.txt"
    try run("makedumpfile", ["--dump-dmesg", dump, ours])
    try run("makedumpfile", ["--dump-dmesg", source, theirs])
    XCTAssertEqual(
      try String(contentsOfFile: ours, encoding: .utf8), try String(contentsOfFile: theirs, encoding: .utf8))

    // The same pages excluded per class as makedumpfile -d 31.
    let stats = try run(
      "makedumpfile", ["-c", "-d", "31", "--message-level", "31", source, folder + "/md31"], stderr: true)
    let expected: [(String, ExcludedClass)] = [
      ("Pages filled with zero", .zero), ("Non-private cache pages", .cacheWithoutPrivate),
      ("Private cache pages", .cacheWithPrivate), ("User process data pages", .user), ("Free pages", .free),
    ]
    for (name, kind) in expected {
      XCTAssertEqual(report.excluded[kind] ?? 0, statistic(name, in: stats), name)
    }
    // makedumpfile's "Original pages" count /proc/vmcore's kernel-text segment a
    // second time (it repeats RAM), so only the exclusions are compared.
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: dump)))
  }

  /// A target too small for the dump: the log and crash.json survive, the dump is
  /// valid and flagged incomplete, its log still readable; a second run with room
  /// resumes it.
  func testFullFileSystemKeepsTheLogAndAValidIncompleteDump() throws {
    try fullFileSystem(cyclicBufferBytes: PageCycles.defaultBufferBytes)
  }

  /// The same with cycles of 8192 frames: every cycle's bitmaps are written before the
  /// log's pages, so the cut dump still places them.
  func testFullFileSystemWithCyclesKeepsTheLog() throws {
    try fullFileSystem(cyclicBufferBytes: 1 << 10)
  }

  func fullFileSystem(cyclicBufferBytes: Int) throws {
    let source = try vmcore()
    let folder = try scratch("full")
    defer {
      _ = try? ToolRun.launch("umount", [folder])
      try? FileManager.default.removeItem(atPath: folder)
    }
    guard getuid() == 0 else {
      throw TestInput.missing("root, to mount a small tmpfs", makeWith: "run the tests as root")
    }
    try run("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", folder])
    var options = CaptureSession.Options(
      source: source, directory: folder, level: .all, codec: .zlib, threads: 1)
    options.cyclicBufferBytes = cyclicBufferBytes
    options.checksumsDump = true
    let report = try CaptureSession(options: options).run()
    XCTAssertFalse(report.complete)
    XCTAssertEqual(
      report.error.map { if case .write(_, _, let number) = $0 { return number } else { return 0 } }, ENOSPC)
    XCTAssertGreaterThan(report.pagesWritten, 0)
    XCTAssertTrue(report.problems.contains { $0.contains("incomplete") })
    let saved = try String(contentsOfFile: folder + "/dmesg.txt", encoding: .utf8)
    XCTAssertTrue(saved.contains("Kernel panic - not syncing"))
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/crash.json"))
    let dump = try Vmcore.open(path: folder + "/" + CaptureSession.dumpName)
    XCTAssertEqual(dump.kdumpHeader?.isIncomplete, true)
    // The log's pages went first: the cut dump still holds the whole log, for us
    // and for makedumpfile.
    XCTAssertEqual(
      try dmesg(folder + "/" + CaptureSession.dumpName, style: DmesgFormatter.vmcoreDmesg), saved)
    let ours = FileManager.default.temporaryDirectory.appendingPathComponent("capture-md-\(getpid()).txt")
      .path
    defer { try? FileManager.default.removeItem(atPath: ours) }
    do {
      try run("makedumpfile", ["--dump-dmesg", folder + "/" + CaptureSession.dumpName, ours])
      var expected: [UInt8] = []
      for record in try Vmcore.open(path: source).kernelLog().records {
        DmesgFormatter.makedumpfile(record, into: &expected)
      }
      XCTAssertEqual(
        try String(contentsOfFile: ours, encoding: .utf8), String(decoding: expected, as: UTF8.self))
    } catch {
      XCTFail("makedumpfile --dump-dmesg cannot read the incomplete dump: \(error)")
    }
    // crash.json was rewritten in the room it kept, with the dump's checksum.
    let crash = try String(contentsOfFile: folder + "/crash.json", encoding: .utf8)
    XCTAssertTrue(crash.contains("\"complete\": false"), crash)
    XCTAssertTrue(crash.contains(try SmallFile.sha256(folder + "/" + CaptureSession.dumpName).1))

    // Room again: copy what fit to a bigger target and resume there.
    let bigger = try scratch("resumed")
    defer { try? FileManager.default.removeItem(atPath: bigger) }
    try FileManager.default.copyItem(
      atPath: folder + "/" + CaptureSession.dumpName, toPath: bigger + "/" + CaptureSession.dumpName)
    var again = options
    again.directory = bigger
    again.resume = true
    let resumed = try CaptureSession(options: again).run()
    XCTAssertTrue(resumed.complete)
    XCTAssertEqual(resumed.resumedAt, report.pagesWritten)
    XCTAssertEqual(
      try dmesg(bigger + "/" + CaptureSession.dumpName, style: DmesgFormatter.vmcoreDmesg), saved)
  }
}
