import Foundation
import XCTest

@testable import Lab

/// The benchmark the capture kernel runs: its script, and the table read back from the
/// console.
final class CaptureBenchTests: XCTestCase {
  /// Every run of every round, makedumpfile first, each reported; the script is valid sh
  /// and runs before the capture's own save.
  func testScriptRunsEachRoundInOrderBeforeTheSave() throws {
    let bench = CaptureBench(rounds: 2)
    let script = bench.script(coroner: "/bin/coroner-capture")
    let runs = bench.runs(coroner: "/bin/coroner-capture")
    XCTAssertEqual(
      runs.map(\.name),
      ["makedumpfile", "makedumpfile-non-mmap", "coroner-zlib", "coroner-zstd", "coroner-zlib-non-mmap"])
    let lines = script.split(separator: "\n").filter { $0.hasPrefix("bench ") }
    // A warm-up round (0), then the two counted.
    XCTAssertEqual(lines.count, 15)
    XCTAssertTrue(
      lines[0].hasPrefix(
        "bench makedumpfile 0 /tmp/capture/m.kdump /opt/makedumpfile/makedumpfile -c -d 31 /proc/vmcore"))
    XCTAssertTrue(lines[5].hasPrefix("bench makedumpfile 1 "))
    XCTAssertTrue(
      lines[14].hasPrefix(
        "bench coroner-zlib-non-mmap 2 /tmp/capture/bench/dump.kdump /bin/coroner-capture --from /proc/vmcore"
      ))
    XCTAssertTrue(lines[14].hasSuffix("--compress zlib --non-mmap"))

    let whole = GuestInit.captureScript(modules: [], save: "true", bench: script)
    let benchAt = try XCTUnwrap(whole.range(of: "bench makedumpfile 0"))
    let saveAt = try XCTUnwrap(whole.range(of: "if true; then"))
    XCTAssertLessThan(benchAt.lowerBound, saveAt.lowerBound)
    // One untimed run each for memory, after the timed ones: makedumpfile, zlib, zstd.
    let memory = script.split(separator: "\n").filter { $0.hasPrefix("memory ") }
    XCTAssertEqual(
      memory.map { $0.split(separator: " ")[1] }, ["makedumpfile", "coroner-zlib", "coroner-zstd"])
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(getpid()).sh")
    try Data(whole.utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let check = Process()
    check.executableURL = URL(fileURLWithPath: "/bin/sh")
    check.arguments = ["-n", file.path]
    try check.run()
    check.waitUntilExit()
    XCTAssertEqual(check.terminationStatus, 0, "sh -n rejects the capture script")
  }

  /// `lab run --bench-capture-level`: every run, both tools, at the level asked for.
  func testEveryRunCapturesAtTheLevelAskedFor() {
    let runs = CaptureBench(rounds: 1, level: 1).runs(coroner: "/bin/coroner-capture")
    XCTAssertEqual(runs.count, 5)
    for run in runs {
      let words = run.command.split(separator: " ").map(String.init)
      let flag = run.name.hasPrefix("makedumpfile") ? "-d" : "--dump-level"
      let at = words.firstIndex(of: flag)
      XCTAssertEqual(at.map { words[$0 + 1] }, "1", run.command)
      XCTAssertFalse(run.command.contains("31"), run.command)
    }
  }

  /// Console lines (with the kernel's prefix and CR LF) become samples; the table gives
  /// medians of the runs that succeeded and the ratios against makedumpfile.
  func testConsoleLinesBecomeMediansAndRatios() {
    let console = """
      [   40.1] coroner-lab: vmcore size 805306368\r
      [   45.0] coroner-lab: bench makedumpfile round 0 start 30.00 end 40.00 exit 0 bytes 40000000\r
      [   49.0] coroner-lab: bench coroner-zlib round 0 start 40.10 end 41.10 exit 0 bytes 39000000\r
      [   52.0] coroner-lab: bench makedumpfile round 1 start 41.20 end 51.20 exit 0 bytes 40000000\r
      [   52.1] coroner-lab: bench coroner-zlib phases "milliseconds": {"open": 4, "dump": 2512}\r
      [   56.0] coroner-lab: bench coroner-zlib round 1 start 51.30 end 55.30 exit 0 bytes 39000000\r
      [   66.0] coroner-lab: bench makedumpfile round 2 start 55.40 end 67.40 exit 0 bytes 40000000\r
      [   71.0] coroner-lab: bench coroner-zlib round 2 start 67.50 end 72.50 exit 0 bytes 39000000\r
      [   80.0] coroner-lab: bench makedumpfile round 3 start 72.60 end 81.60 exit 0 bytes 40000000\r
      [   81.0] coroner-lab: bench coroner-zlib round 3 start 81.70 end 82.70 exit 1 bytes none\r
      [   81.0] coroner-lab: bench garbled line\r
      [   90.0] coroner-lab: bench makedumpfile memory 2948 kB anon 1200 kB exit 0\r
      [   95.0] coroner-lab: bench coroner-zlib memory 9100 kB anon 1900 kB exit 0\r

      """
    let samples = CaptureBench.samples(in: console)
    guard samples.count == 8 else { return XCTFail("\(samples.count) samples, expected 8") }
    XCTAssertEqual(samples[3].name, "coroner-zlib")
    XCTAssertEqual(samples[3].round, 1)
    XCTAssertEqual(samples[3].seconds, 4, accuracy: 1e-9)
    XCTAssertEqual(samples[7].exitStatus, 1)
    XCTAssertNil(samples[7].bytes)

    let peaks = CaptureBench.peaks(in: console)
    XCTAssertEqual(
      peaks,
      [
        "makedumpfile": CaptureBench.Peak(resident: 2948, anonymous: 1200),
        "coroner-zlib": CaptureBench.Peak(resident: 9100, anonymous: 1900),
      ])
    let summaries = CaptureBench.summaries(samples, peaks: peaks)
    XCTAssertEqual(summaries.map(\.name), ["makedumpfile", "coroner-zlib"])
    XCTAssertEqual(summaries[0].medianSeconds ?? 0, 10, accuracy: 1e-9)
    XCTAssertEqual(summaries[0].failures, 0)
    // The warm-up round is left out; the failed run counts as failed and not in the
    // median (4 and 5 s: the lower middle).
    XCTAssertEqual(summaries[1].medianSeconds ?? 0, 4, accuracy: 1e-9)
    XCTAssertEqual(summaries[1].failures, 1)
    XCTAssertEqual(summaries[1].runs, 3)

    let phases = CaptureBench.phases(in: console)
    XCTAssertEqual(phases.map(\.name), ["coroner-zlib"])
    XCTAssertEqual(phases.first?.milliseconds.map(\.0), ["open", "dump"])
    XCTAssertEqual(phases.first?.milliseconds.map(\.1), [4, 2512])

    let table = CaptureBench.table(summaries)
    XCTAssertEqual(table.count, 3)
    XCTAssertTrue(table[2].contains("2.50x"), table[2])
    XCTAssertTrue(table[2].contains("0.975x"), table[2])
    XCTAssertTrue(table[2].hasSuffix("1/3       9100 (1900)"), table[2])
  }
}
