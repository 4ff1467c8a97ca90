import Foundation
import XCTest

@testable import Capture

/// makedumpfile's command lines, as kdump-tools and kdump-utils write them, mapped to
/// what Coroner does; options Coroner lacks are refused by name.
final class MakedumpfileOptionsTests: XCTestCase {
  func parse(_ line: String) throws(MakedumpfileUsageError) -> MakedumpfileOptions {
    try MakedumpfileOptions.parse(line.split(separator: " ").map(String.init))
  }

  func refusal(_ line: String) -> String {
    do {
      _ = try parse(line)
      return "accepted"
    } catch {
      return error.message
    }
  }

  /// MAKEDUMP_ARGS without the -F kdump-tools 1.8 adds, and its dmesg call (kdump-config).
  func testKdumpToolsDefaults() throws {
    let capture = try parse("-c -d 31 /proc/vmcore /var/crash/202612040000/dump-incomplete")
    XCTAssertEqual(
      capture.action, .capture(vmcore: "/proc/vmcore", dumpFile: "/var/crash/202612040000/dump-incomplete"))
    XCTAssertEqual(capture.compression, .zlib)
    XCTAssertEqual(capture.dumpLevel, 31)
    XCTAssertEqual(capture.messageLevel, 7)
    XCTAssertFalse(capture.force)
    XCTAssertTrue(capture.mapsVmcore)
    XCTAssertFalse(try parse("--non-mmap -c -d 31 /proc/vmcore out").mapsVmcore)
    let dmesg = try parse("--dump-dmesg /proc/vmcore /var/crash/202612040000/dmesg.202612040000")
    XCTAssertEqual(
      dmesg.action,
      .dumpDmesg(
        vmcore: "/proc/vmcore", logFile: "/var/crash/202612040000/dmesg.202612040000", partial: false))
  }

  /// kdump-utils' core_collector default, and each compression letter.
  func testKdumpUtilsCoreCollector() throws {
    let options = try parse("-l --message-level 7 -d 31 /proc/vmcore /sysroot/var/crash/vmcore-incomplete")
    XCTAssertEqual(options.compression, .lzo)
    XCTAssertEqual(options.messageLevel, 7)
    XCTAssertTrue(options.showsProgress && options.showsCommon && options.showsErrors)
    XCTAssertEqual(try parse("-p a b").compression, .snappy)
    XCTAssertEqual(try parse("-z a b").compression, .zstd)
    XCTAssertEqual(try parse("a b").compression, .none)
    XCTAssertEqual(try parse("--message-level=4 a b").messageLevel, 4)
    XCTAssertFalse(try parse("--message-level=4 a b").showsCommon)
  }

  /// getopt_long: grouped flags, attached arguments, operands before options, `--`.
  func testGetoptForms() throws {
    let grouped = try parse("-cfd31 /proc/vmcore out")
    XCTAssertEqual(
      [grouped.compression.rawValue, "\(grouped.dumpLevel)", "\(grouped.force)"], ["zlib", "31", "true"])
    XCTAssertEqual(try parse("/proc/vmcore out -d 1 -z").dumpLevel, 1)
    XCTAssertEqual(try parse("-d 0 -- -odd-name out").action, .capture(vmcore: "-odd-name", dumpFile: "out"))
    XCTAssertEqual(try parse("--num-threads 4 a b").threads, 4)
    XCTAssertEqual(try parse("--cyclic-buffer=512 -c a b").cyclicBufferKiB, 512)
    XCTAssertNil(try parse("-c a b").cyclicBufferKiB)
    XCTAssertEqual(try parse("-R dump").action, .rearrange(dumpFile: "dump"))
    // kdump-tools 1.8 always adds -F and pipes the stream into its compressor.
    let flattened = try parse("-F -c -d 31 /proc/vmcore")
    XCTAssertEqual(flattened.action, .captureToStandardOutput(vmcore: "/proc/vmcore"))
    XCTAssertEqual(flattened.compression, .zlib)
    XCTAssertEqual(
      try parse("-c -d 31 -F /proc/vmcore").action, .captureToStandardOutput(vmcore: "/proc/vmcore"))
    XCTAssertEqual(
      try parse("--dump-dmesg --partial-dmesg a b").action,
      .dumpDmesg(vmcore: "a", logFile: "b", partial: true))
    XCTAssertEqual(try parse("-h").action, .help)
    XCTAssertEqual(try parse("-v").action, .version)
  }

  func testUnsupportedOptionsAreNamed() {
    XCTAssertEqual(
      refusal("-E -d 31 /proc/vmcore out"),
      "Coroner's makedumpfile does not support -E (ELF output); "
        + "run the original makedumpfile (makedumpfile.distrib when coroner-makedumpfile diverted it)")
    let both = refusal("-x /usr/lib/debug/vmlinux --split -d 31 a b c")
    XCTAssertTrue(both.contains("-x (filtering with a vmlinux"), both)
    XCTAssertTrue(both.contains("--split (splitting"), both)
    XCTAssertTrue(refusal("-cx vmlinux a b").contains("-x ("))
    XCTAssertEqual(refusal("--bogus a b"), "unrecognized option '--bogus'")
    XCTAssertEqual(refusal("-q a b"), "invalid option -- 'q'")
  }

  func testBadValuesAndOperands() {
    XCTAssertEqual(refusal("-d 32 a b"), "-d 32: expected a number from 0 to 31")
    XCTAssertTrue(refusal("-d 1,31 a b").hasPrefix("-d 1,31: several dump levels"))
    XCTAssertEqual(refusal("--message-level x a b"), "--message-level x: expected a number from 0 to 31")
    XCTAssertEqual(refusal("-d"), "option -d requires an argument")
    XCTAssertEqual(refusal("-c -l a b"), "-c -l: give one compression option")
    XCTAssertEqual(refusal("-d 31 /proc/vmcore"), "expected VMCORE DUMPFILE, found /proc/vmcore")
    XCTAssertEqual(refusal("--dump-dmesg a"), "expected VMCORE LOGFILE, found a")
    XCTAssertEqual(refusal("-F a b"), "-F writes to standard output: expected VMCORE alone, found a b")
    XCTAssertEqual(refusal("-F --dump-dmesg a"), "-F goes with a capture, not with -R or --dump-dmesg")
    XCTAssertEqual(
      refusal("-R a b"), "-R takes one DUMPFILE and reads the flattened stream on standard input")
    XCTAssertEqual(MakedumpfileOptions.usageExitCode, 1)
  }

  /// A flattened stream rebuilt by -R: records written at their offsets, out of order.
  func testRearrangeRebuildsAFlattenedStream() throws {
    func bigEndian(_ value: UInt64) -> [UInt8] {
      (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
    var stream = Array("makedumpfile".utf8) + [0, 0, 0, 0] + bigEndian(1) + bigEndian(1)
    stream += [UInt8](repeating: 0, count: 4096 - stream.count)
    stream += bigEndian(4) + bigEndian(3) + [4, 5, 6]
    stream += bigEndian(0) + bigEndian(4) + [0, 1, 2, 3]
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("flat-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let input = scratch.appendingPathComponent("in")

    try Data(stream + bigEndian(UInt64.max) + bigEndian(UInt64.max)).write(to: input)
    let handle = try FileHandle(forReadingFrom: input)
    let output = try FileDumpOutput(path: scratch.appendingPathComponent("out").path)
    let result = try FlattenedRearrange.run(from: handle.fileDescriptor, name: "in", into: output)
    XCTAssertEqual(result, FlattenedRearrange.Result(records: 2, bytes: 7))
    XCTAssertEqual(try Data(contentsOf: scratch.appendingPathComponent("out")), Data([0, 1, 2, 3, 4, 5, 6]))

    try Data(stream).write(to: input)
    let cut = try FileHandle(forReadingFrom: input)
    XCTAssertThrowsError(
      try FlattenedRearrange.run(
        from: cut.fileDescriptor, name: "in",
        into: FileDumpOutput(path: scratch.appendingPathComponent("o2").path))
    ) {
      XCTAssertEqual(
        "\($0)", "in: offset \(stream.count): expected 16 more bytes: the stream ends before its end record")
    }
  }
}
