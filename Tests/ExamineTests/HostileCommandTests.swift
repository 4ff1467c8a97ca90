import Foundation
import TestSupport
import XCTest

@testable import coroner

/// The commands on hostile inputs, as a user runs them: the coroner built with the
/// tests, under a 1 GiB address-space limit (an allocation sized from a lying header
/// aborts instead of swapping) and a time limit. Each run ends with 0 or the documented
/// code, and a refusal names the file; none traps (134), hangs or is killed.
final class HostileCommandTests: XCTestCase {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("DumpTests/Fixtures").path
  var scratch: String!

  override func setUpWithError() throws {
    scratch = NSTemporaryDirectory() + "hostile-command-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: scratch)
  }

  func coroner() throws -> String {
    try BuiltCoroner.url(beside: Self.self).path
  }

  /// Runs coroner with a 1 GiB address-space limit and 60 s of time.
  func run(_ arguments: [String]) throws -> ToolRun {
    try ToolRun.launch(
      "timeout", ["60", "sh", "-c", "ulimit -v 1048576; exec \"$0\" \"$@\"", try coroner()] + arguments)
  }

  func write(_ bytes: [UInt8], _ name: String) throws -> String {
    let path = scratch + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// 0, or 65 with the file named first on standard error.
  func assertReadOrRefused(_ run: ToolRun, path: String, _ label: String) {
    let errors = String(decoding: run.stderr, as: UTF8.self)
    XCTAssertTrue([0, 65].contains(run.status), "\(label): exit \(run.status): \(errors.prefix(300))")
    if run.status == 65 {
      XCTAssertTrue(errors.contains(path + ":"), "\(label): \(errors.prefix(300))")
    }
  }

  /// A seeded sample of `HostileHeaders`' copies of a real kdump dump (plain and
  /// flattened) and of a small ELF vmcore, through info, dmesg and examine.
  func testHostileHeadersThroughTheCommands() throws {
    let kdump = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/kdump-6.1-cut.kdump")))
    let elf = SmallElfVmcore.make(runs: [(0, [UInt8](repeating: 3, count: 8192)), (1 << 20, [9])])
    var mutants: [HostileHeaders.Mutant] = []
    for (original, seed) in [(kdump, UInt64(0xC0FFEE)), (elf, 0xE1F)] {
      var generator = HostileHeaders(original: original, seed: seed)
      var all = generator.mutants()
      var random = SplitMix64(seed: seed)
      for _ in 0..<20 where !all.isEmpty {
        mutants.append(all.remove(at: Int(random.next() % UInt64(all.count))))
      }
    }
    for (index, mutant) in mutants.enumerated() {
      let path = try write(mutant.bytes, "mutant-\(index)")
      for command in ["info", "dmesg", "examine"] {
        assertReadOrRefused(try run([command, path]), path: path, "\(command) \(mutant.name)")
      }
    }
  }

  /// A kdump file cut inside its page data: `info` names the missing pages, `capture`
  /// saves them as missing, exits 65 and its crash.json says the dump is not complete.
  func testCutDumpIsNeverCalledComplete() throws {
    let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/kdump-6.1-cut.kdump")))
    let path = try write(Array(whole.prefix(whole.count - 20_000)), "cut.kdump")
    let info = try run(["info", path])
    XCTAssertEqual(info.status, 0)
    XCTAssertTrue(info.text.contains("dumped pages are missing"), info.text)
    XCTAssertTrue(info.text.contains("data past the end of the file"), info.text)
    XCTAssertFalse(info.text.contains("missing           nothing"), info.text)

    let folder = scratch + "/capture"
    let capture = try run(["capture", "--from", path, "--to", folder, "--compress", "zlib"])
    XCTAssertEqual(capture.status, 65, String(decoding: capture.stderr, as: UTF8.self))
    let record = try String(contentsOfFile: folder + "/crash.json", encoding: .utf8)
    XCTAssertTrue(record.contains("\"complete\": false"), record)
    let saved = try run(["info", folder + "/dump.kdump"])
    XCTAssertTrue(saved.text.contains("never written (empty descriptors)"), saved.text)
  }

  func testCommandLineBoundsAndCodes() throws {
    let threads = try run(["capture", "--to", scratch + "/t", "--threads", "100000"])
    XCTAssertEqual(threads.status, 64)
    XCTAssertTrue(
      String(decoding: threads.stderr, as: UTF8.self).contains("--threads must be 1 to 16, not '100000'"))

    let arm = try write(
      SmallElfVmcore.make(runs: [(0, [UInt8](repeating: 1, count: 4096))], machine: 183), "a.elf")
    for command in ["info", "dmesg", "examine"] {
      let run = try run([command, arm])
      XCTAssertEqual(run.status, 65, command)
      XCTAssertTrue(
        String(decoding: run.stderr, as: UTF8.self).contains("e_machine 183 (AArch64) at offset 18"), command)
    }
  }

  /// An endless binary stream is refused from its first 64 KiB (65), from a device and
  /// from standard input, within the 1 GiB address-space limit.
  func testEndlessBinaryStreamIsRefusedAtItsStart() throws {
    let device = try run(["examine", "/dev/zero"])
    XCTAssertEqual(device.status, 65)
    XCTAssertTrue(
      String(decoding: device.stderr, as: UTF8.self).hasPrefix(
        "coroner: /dev/zero: not a kernel log or dump: binary"))
    let piped = try ToolRun.launch(
      "timeout",
      ["60", "sh", "-c", "ulimit -v 1048576; head -c 300000000 /dev/zero | \"$0\" examine -", try coroner()])
    XCTAssertEqual(piped.status, 65)
    XCTAssertTrue(
      String(decoding: piped.stderr, as: UTF8.self).hasPrefix("coroner: -: not a kernel log or dump"))
  }

  /// A link loop is input that is not there to read: 66 from every command.
  func testLinkLoopIsMissingInputEverywhere() throws {
    let loop = scratch + "/loop-a"
    XCTAssertEqual(symlink(scratch + "/loop-b", loop), 0)
    XCTAssertEqual(symlink(loop, scratch + "/loop-b"), 0)
    for command in ["info", "dmesg", "examine"] {
      let run = try run([command, loop])
      XCTAssertEqual(run.status, 66, command)
      XCTAssertTrue(String(decoding: run.stderr, as: UTF8.self).contains(loop + ":"), command)
    }
  }

  /// `doctor --root` on a tree whose links point at this host and whose files hold
  /// terminal controls: nothing of the host is read, no control byte is printed.
  func testDoctorStaysInItsRootAndPrintsNoControls() throws {
    let host = scratch + "/host-secret"
    try Data("host-only-value\n".utf8).write(to: URL(fileURLWithPath: host))
    let root = scratch + "/tree"
    try FileManager.default.createDirectory(
      atPath: root + "/proc/sys/kernel", withIntermediateDirectories: true)
    XCTAssertEqual(symlink(host, root + "/proc/sys/kernel/panic"), 0)
    try Data("quiet \u{1B}]0;title\u{07}\u{1B}[2J crashkernel=\u{9B}1m\n".utf8).write(
      to: URL(fileURLWithPath: root + "/proc/cmdline"))
    for format in [["--verbose"], ["--json"]] {
      let run = try run(["doctor", "--root", root] + format)
      XCTAssertEqual(run.status, 1)
      XCTAssertFalse(run.text.contains("host-only-value"), run.text)
      XCTAssertFalse(
        run.text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B })
    }
  }

  /// A vmlinux that resolves none of the frames (here a program that is no kernel)
  /// leaves the trace bare: that is an error naming why, not a quiet success.
  func testSymbolizeWithAnUnusableVmlinuxSaysSo() throws {
    let trace = try write(
      Array(
        "CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-56-amd64 #1\nCall Trace:\n dump_stack_lvl+0x44/0x5c\n".utf8),
      "trace.txt")
    let binary = try coroner()
    for json in [[], ["--json"]] {
      let run = try run(["symbolize", "--vmlinux", binary, trace] + json)
      XCTAssertEqual(run.status, 65)
      XCTAssertEqual(
        String(decoding: run.stderr, as: UTF8.self),
        "error: 1 of 1 frames left bare (first: dump_stack_lvl is not in \(binary))\n")
      XCTAssertTrue(run.text.contains("dump_stack_lvl+0x44/0x5c"), run.text)
    }
    let json = try run(["symbolize", "--vmlinux", binary, trace, "--json"])
    let records = try JSONSerialization.jsonObject(with: json.stdout) as? [[String: Any]]
    XCTAssertEqual(records?.count, 3)
  }

  func testTraceLinesSplitAsTheWholeInputWould() {
    for text in ["a\r\n\nb\n", "a\n\n", "", "\n", "no newline", "x\r"] {
      let bytes = Array(text.utf8)
      var expected = bytes.split(separator: 10, omittingEmptySubsequences: false).map {
        String(decoding: $0.last == 13 ? $0.dropLast() : $0, as: UTF8.self)
      }
      if expected.last == "" { expected.removeLast() }
      XCTAssertEqual(Array(TraceLines(bytes)), expected, text.debugDescription)
    }
  }

  func testTerminalTextEscapesEveryControl() {
    XCTAssertEqual(TerminalText.jsonEscapingC1("{\"a\": \"x\u{9B}\u{7F}\"}"), "{\"a\": \"x\\u009b\\u007f\"}")
    XCTAssertEqual(TerminalText.escaped("plain text"), "plain text")
    XCTAssertEqual(TerminalText.escaped("a\u{1B}[2Jb\u{07}\u{9B}c\n\t"), "a\\e[2Jb\\x07\\u{9b}c\\n\\t")
    XCTAssertEqual(TerminalText.escaped("two\nlines\t", keepNewlines: true), "two\nlines\t")
    XCTAssertEqual(TerminalText.escaped("\u{7F}\u{00}\r"), "\\x7f\\x00\\r")
  }
}
