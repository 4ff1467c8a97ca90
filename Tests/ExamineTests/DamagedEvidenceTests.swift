import Dump
import Examine
import Foundation
import KernelLog
import XCTest

/// Damaged evidence never silently succeeds: every mutant of a real dump is either
/// examined to the crash the original holds, or comes back with the problems that
/// explain why not (and is then inconclusive when no crash is found), or is refused
/// with an error naming the file. The expected crash is read from vmcore-dmesg's
/// output of the original dump, not from the code under test.
final class DamagedEvidenceTests: XCTestCase {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("DumpTests/Fixtures").path

  /// The real dumps (cut to the pages the log needs) beside vmcore-dmesg's text of them.
  static let dumps = ["kdump-6.1-cut", "qemu-6.12-cut"]

  /// syzkaller's title of the panic in vmcore-dmesg's text: `kernel panic: MESSAGE`.
  func expectedTitle(_ name: String) throws -> String {
    let text = try String(contentsOfFile: "\(Self.fixtures)/\(name).vmcore-dmesg.txt", encoding: .utf8)
    let marker = "Kernel panic - not syncing: "
    let line = try XCTUnwrap(
      text.split(separator: "\n").first { $0.contains(marker) && !$0.contains("---[") })
    return "kernel panic: " + String(line[line.range(of: marker)!.upperBound...])
  }

  func testOriginalsNameThePanicWithNoLogProblem() throws {
    for name in Self.dumps {
      let cause = try Examiner().examine(path: "\(Self.fixtures)/\(name).kdump")
      XCTAssertEqual(cause.killer?.title, try expectedTitle(name), name)
      XCTAssertFalse(cause.problems.contains(where: \.damagesLog), "\(name): \(cause.problems)")
    }
  }

  func testEveryMutantIsExaminedOrExplainedOrRefused() throws {
    var counts: [String: Int] = [:]
    for (number, name) in Self.dumps.enumerated() {
      let expected = try expectedTitle(name)
      var mutator = try DumpMutator(path: "\(Self.fixtures)/\(name).kdump", seed: 0x5EED + UInt64(number))
      for mutant in mutator.mutants(perFamily: 40) {
        let outcome = try check(mutant, of: name, expected: expected)
        counts["\(mutant.family.rawValue) \(outcome)", default: 0] += 1
      }
    }
    print(
      "damaged dumps: "
        + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
  }

  /// What examine made of one mutant: `found`, `explained` or `refused`.
  func check(_ mutant: DumpMutator.Mutant, of name: String, expected: String) throws -> String {
    let path = NSTemporaryDirectory() + "coroner-mutant-\(getpid()).kdump"
    try Data(mutant.bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let label = "\(name), \(mutant.name)"
    let cause: CauseOfDeath
    do {
      cause = try Examiner().examine(path: path)
    } catch {
      guard case .badData(let file, _, _) = error as? ExamineError else {
        XCTFail("\(label): \(error) is not bad data")
        return "wrong error"
      }
      XCTAssertEqual(file, path, label)
      XCTAssertTrue("\(error)".hasPrefix(path + ": "), "\(label): \(error)")
      return "refused"
    }
    if cause.killer?.title == expected { return "found" }
    // Not the crash the dump holds: the problems must say why, and with no crash at
    // all the verdict is "inconclusive", never "no crash".
    XCTAssertTrue(
      cause.problems.contains(where: \.damagesLog),
      "\(label): killer \(cause.killer?.title ?? "none") with no log problem: \(cause.problems)")
    if cause.reports.isEmpty { XCTAssertFalse(cause.isConclusive, label) }
    return "explained"
  }

  /// Bytes that are no evidence: random data and a dump whose signature is broken are
  /// refused, naming the file and what was expected, not read as a console log.
  func testBinaryDataIsRefusedNotReadAsALog() throws {
    var random = SplitMix64(seed: 13)
    let noise = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    var broken = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/kdump-6.1-cut.kdump")))
    broken[0] ^= 0x20
    for (label, bytes) in [("random", noise), ("broken signature", broken)] {
      XCTAssertThrowsError(try Examiner().examine(bytes: bytes, name: label)) { error in
        guard case .badData(let file, let problem, let expected) = error as? ExamineError else {
          return XCTFail("\(label): \(error)")
        }
        XCTAssertEqual(file, label)
        XCTAssertTrue(problem.contains("binary"), problem)
        XCTAssertTrue(expected.contains("vmcore"), expected)
      }
    }
  }

  /// The console log the lab guest printed is text, and a log with a few NULs and
  /// escapes from a serial line stays text.
  func testConsoleTextWithSerialNoiseIsStillText() throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Samples.softlockupConsole)))
    for at in stride(from: 0, to: bytes.count, by: 997) { bytes[at] = 0 }
    let cause = try Examiner().examine(bytes: bytes, name: "console")
    XCTAssertEqual(cause.kind, .console)
    XCTAssertEqual(cause.killer?.title, "BUG: soft lockup in det_spin_fn")
  }

  /// A dump handed over as bytes (an upload, a pipe) is read like its file.
  func testDumpBytesAreExaminedLikeTheFile() throws {
    let path = "\(Self.fixtures)/kdump-6.1-cut.kdump"
    let fromBytes = try Examiner().examine(
      bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), name: path)
    XCTAssertEqual(fromBytes, try Examiner().examine(path: path))
  }
}
