import Dump
import Foundation
import Lab
import TestSupport
import XCTest

/// coroner run as `makedumpfile` (as coroner-makedumpfile installs it) on a real lab dump,
/// with kdump-tools' command lines: the dump it writes is read by the real makedumpfile
/// and by coroner, and its `--dump-dmesg` prints what the real one prints.
final class MakedumpfileDropInTests: XCTestCase {
  var scratch: URL!

  override func setUpWithError() throws {
    scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dropin-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: scratch)
  }

  /// `makedumpfile` in the scratch folder: a link to the coroner built with the tests.
  func dropIn() throws -> String {
    let coroner = try BuiltCoroner.url(beside: Self.self)
    let link = scratch.appendingPathComponent("bin/makedumpfile")
    try FileManager.default.createDirectory(
      at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: coroner)
    return link.path
  }

  /// Runs `arguments[0]` by its path (so that it sees the name `makedumpfile`); standard
  /// error goes to a file, as ToolRun does, so that neither pipe fills unread.
  func run(
    _ arguments: [String], stdin: String? = nil, stdout: String? = nil
  ) throws -> (
    status: Int32, output: String, error: String
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    let out = Pipe()
    if let stdout {
      _ = FileManager.default.createFile(atPath: stdout, contents: nil)
      process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
    } else {
      process.standardOutput = out
    }
    let errorFile = scratch.appendingPathComponent("stderr-\(UUID().uuidString.prefix(8))")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    let err = try FileHandle(forWritingTo: errorFile)
    process.standardError = err
    process.standardInput =
      try stdin.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
    try process.run()
    try? err.close()
    let output = stdout == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
    process.waitUntilExit()
    let error = try Data(contentsOf: errorFile)
    return (
      process.terminationStatus, String(decoding: output, as: UTF8.self),
      String(decoding: error, as: UTF8.self)
    )
  }

  func testKdumpToolsCaptureOfALabDump() throws {
    let makedumpfile = try dropIn()
    let real = try ToolRun.require("makedumpfile")
    let scene = try LabScenes.scene("panic", on: .v6_1)
    let vmcore = scene.vmcore.path
    let stamp = scratch.appendingPathComponent("crash/202612040000")
    try FileManager.default.createDirectory(at: stamp, withIntermediateDirectories: true)

    // kdump-config savecore: the dump, then the log.
    let dump = stamp.appendingPathComponent("dump-incomplete").path
    let capture = try run([makedumpfile, "-c", "-d", "31", vmcore, dump])
    XCTAssertEqual(capture.status, 0, capture.error)
    XCTAssertTrue(capture.output.contains("The dumpfile is saved to \(dump)"), capture.output)
    for name in ["dmesg.txt", "dmesg.json", "crash.json"] {
      XCTAssertTrue(
        FileManager.default.fileExists(atPath: stamp.appendingPathComponent("coroner/\(name)").path), name)
    }
    let log = stamp.appendingPathComponent("dmesg.202612040000").path
    let dmesg = try run([makedumpfile, "--dump-dmesg", vmcore, log])
    XCTAssertEqual(dmesg.status, 0, dmesg.error)

    // The real makedumpfile reads the same log from the vmcore and from coroner's dump.
    let fromVmcore = scratch.appendingPathComponent("real-vmcore.txt").path
    let fromDump = scratch.appendingPathComponent("real-dump.txt").path
    XCTAssertEqual(try run([real, "--dump-dmesg", vmcore, fromVmcore]).status, 0)
    let readBack = try run([real, "--dump-dmesg", dump, fromDump])
    XCTAssertEqual(readBack.status, 0, readBack.error)
    let expected = try Data(contentsOf: URL(fileURLWithPath: fromVmcore))
    XCTAssertGreaterThan(expected.count, 10_000)
    XCTAssertEqual(
      try Data(contentsOf: URL(fileURLWithPath: log)), expected, "coroner --dump-dmesg vs makedumpfile")
    XCTAssertEqual(
      try Data(contentsOf: URL(fileURLWithPath: fromDump)), expected, "makedumpfile on coroner's dump")

    // coroner reads its own dump: the same records, the panic last.
    let records = try Vmcore.open(paths: [dump]).kernelLog().records
    XCTAssertEqual(records.count, try Vmcore.open(paths: [vmcore]).kernelLog().records.count)
    XCTAssertTrue(
      records.contains {
        String(decoding: $0.text, as: UTF8.self).contains("Kernel panic - not syncing: sysrq")
      })

    // An existing DUMPFILE is kept unless -f, as makedumpfile does.
    let again = try run([makedumpfile, "-c", "-d", "31", vmcore, dump])
    XCTAssertEqual(again.status, 1)
    XCTAssertTrue(again.error.contains("give -f to overwrite it"), again.error)
  }

  /// kdump-tools 1.8 (Debian 12) always runs `makedumpfile -F $MAKEDUMP_ARGS VMCORE |
  /// compress > dump-incomplete`: the flattened stream is rebuilt by the real
  /// makedumpfile's -R and by the drop-in's, and both hold the vmcore's log.
  func testFlattenedStreamOfALabDump() throws {
    let makedumpfile = try dropIn()
    let real = try ToolRun.require("makedumpfile")
    let vmcore = try LabScenes.scene("panic", on: .v6_1).vmcore.path
    let flat = scratch.appendingPathComponent("dump-incomplete").path
    let capture = try run([makedumpfile, "-F", "-c", "-d", "31", vmcore], stdout: flat)
    XCTAssertEqual(capture.status, 0, capture.error)
    XCTAssertTrue(capture.error.contains("capture: "), capture.error)

    let expected = scratch.appendingPathComponent("expected.txt").path
    XCTAssertEqual(try run([real, "--dump-dmesg", vmcore, expected]).status, 0)
    for (name, tool) in [("real", real), ("drop-in", makedumpfile)] {
      let rebuilt = scratch.appendingPathComponent("rebuilt-\(name)").path
      let rearranged = try run([tool, "-R", rebuilt], stdin: flat)
      XCTAssertEqual(rearranged.status, 0, "\(name) -R: \(rearranged.error)")
      let log = scratch.appendingPathComponent("log-\(name).txt").path
      XCTAssertEqual(try run([real, "--dump-dmesg", rebuilt, log]).status, 0, name)
      XCTAssertEqual(
        try Data(contentsOf: URL(fileURLWithPath: log)), try Data(contentsOf: URL(fileURLWithPath: expected)),
        name)
    }
    // Coroner reads the stream as it is, without -R.
    XCTAssertEqual(
      try Vmcore.open(paths: [flat]).kernelLog().records.count,
      try Vmcore.open(paths: [vmcore]).kernelLog().records.count)
  }

  func testUnsupportedOptionsFailWithMakedumpfilesUsageCode() throws {
    let makedumpfile = try dropIn()
    let out = scratch.appendingPathComponent("out").path
    let result = try run([makedumpfile, "-E", "-x", "vmlinux", "-d", "31", "/proc/vmcore", out])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(
      result.error.contains("does not support -E (ELF output), -x (filtering with a vmlinux"), result.error)
    XCTAssertTrue(result.error.contains("Commandline parameter is invalid."), result.error)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }
}
