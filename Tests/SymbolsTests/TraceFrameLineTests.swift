import XCTest

@testable import Symbols

final class TraceFrameLineTests: XCTestCase {
  func testCallTraceEntryWithTimestampAndModule() throws {
    let line = "[    2.288296]  ? det_warn_fn+0x11/0x20 [det_warn]"
    let frame = try XCTUnwrap(TraceFrameLine.parse(line))
    XCTAssertEqual(frame.symbol, "det_warn_fn")
    XCTAssertEqual(frame.offset, 0x11)
    XCTAssertEqual(frame.size, 0x20)
    XCTAssertEqual(frame.module, "det_warn")
    XCTAssertFalse(frame.reliable)
    XCTAssertTrue(frame.isReturnAddress)
    XCTAssertEqual(frame.end, line.utf8.count, "the annotation goes after the module")
    XCTAssertEqual(String(line.utf8.dropFirst(frame.start))!, "det_warn_fn+0x11/0x20 [det_warn]")
  }

  func testReliableVmlinuxFrame() throws {
    let frame = try XCTUnwrap(TraceFrameLine.parse("[    6.668255]  watchdog_timer_fn.cold+0xc/0x16\r"))
    XCTAssertEqual(frame.symbol, "watchdog_timer_fn.cold")
    XCTAssertNil(frame.module)
    XCTAssertTrue(frame.reliable)
    XCTAssertTrue(frame.isReturnAddress)
  }

  func testInstructionPointerLinesAreNotReturnAddresses() throws {
    let rip = try XCTUnwrap(TraceFrameLine.parse("[    5.542083] RIP: 0010:det_spin_fn+0x1a/0x1c [det_spin]"))
    XCTAssertEqual(rip.symbol, "det_spin_fn")
    XCTAssertEqual(rip.module, "det_spin")
    XCTAssertFalse(rip.isReturnAddress)
    let warning = try XCTUnwrap(
      TraceFrameLine.parse(
        "WARNING: CPU: 0 PID: 89 at detonators/det_warn.c:9 det_warn_fn+0x11/0x20 [det_warn]"))
    XCTAssertEqual(warning.symbol, "det_warn_fn")
    XCTAssertFalse(warning.isReturnAddress)
  }

  func testModuleBuildIDAndParenthesizedForms() throws {
    let withID = try XCTUnwrap(
      TraceFrameLine.parse(" ext4_readdir+0x1a/0x40 [ext4 0123456789abcdef0123456789abcdef01234567]"))
    XCTAssertEqual(withID.module, "ext4")
    XCTAssertEqual(withID.moduleBuildID, "0123456789abcdef0123456789abcdef01234567")
    let old = try XCTUnwrap(TraceFrameLine.parse(" [<ffffffff8102a4f1>] (panic+0x10/0x1f0)"))
    XCTAssertEqual(old.symbol, "panic")
    XCTAssertEqual(old.offset, 0x10)
    XCTAssertTrue(old.isReturnAddress)
    let noSize = try XCTUnwrap(TraceFrameLine.parse("  foo+0x5"))
    XCTAssertNil(noSize.size)
  }

  func testLinesWithoutFrames() {
    for line in [
      "[    2.282256] Call Trace:", "[    2.282634]  <TASK>", "RSP: 0018:ffffc900003d3f10 EFLAGS: 00000282",
      "Code: 40 00 48 c7 c2 e0 ff <48> 3d", "a+b", "x+0xzz/0x10", "", "+0x10/0x20", "f+0x1/0x2/0x3",
    ] {
      XCTAssertNil(TraceFrameLine.parse(line), line)
    }
  }

  func testReleaseFromCPULine() {
    let lines = [
      "[    1.961186] CPU: 0 PID: 89 Comm: det_warn Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2"
    ]
    XCTAssertEqual(TraceSymbolizer.release(inTrace: lines), "6.1.0-56-amd64")
    XCTAssertEqual(
      TraceSymbolizer.release(inTrace: ["CPU: 1 PID: 1 Comm: sh Not tainted 6.12.17-amd64 #1 SMP Debian"]),
      "6.12.17-amd64")
    XCTAssertNil(TraceSymbolizer.release(inTrace: ["no such line"]))
  }
}

final class ConsoleLinesTests: XCTestCase {
  func testSerialConsoleLineEndings() {
    XCTAssertEqual(TraceSymbolizer.lines("a\r\nb\nc\r\n"), ["a", "b", "c"])
    XCTAssertEqual(TraceSymbolizer.lines(""), [])
  }
}

final class TraceBuildIDTests: XCTestCase {
  func testBuildIDFromCPULine() {
    let id = "3e68ff4dcd239279a0ef3fdd68b804d014d7ced1"
    XCTAssertEqual(
      TraceSymbolizer.buildID(inTrace: [
        "CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-56-amd64 #1 Debian 6.1.192-2 \(id.uppercased())"
      ]), id)
    XCTAssertNil(
      TraceSymbolizer.buildID(inTrace: [
        "CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-56-amd64 #1 Debian 6.1.192-2"
      ]))
  }

  func testModuleBuildIDMismatchIsReported() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-bid-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.copyItem(
      atPath: Fixtures.path("det_warn.ko.xz"), toPath: directory.appendingPathComponent("det_warn.ko.xz").path
    )
    let symbolizer = TraceSymbolizer(vmlinux: nil, modulesDirectory: directory.path)
    let wrong = symbolizer.symbolize(
      " det_warn_fn+0x11/0x20 [det_warn \(String(repeating: "ab", count: 20))]")
    XCTAssertNil(wrong.resolved)
    XCTAssertTrue(wrong.problem?.contains("build id") == true, wrong.problem ?? "")
    let real = try XCTUnwrap(ElfFile(path: Fixtures.path("det_warn.ko.xz")).buildID())
    XCTAssertNotNil(symbolizer.symbolize(" det_warn_fn+0x11/0x20 [det_warn \(real)]").resolved)
  }
}
