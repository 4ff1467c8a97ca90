import XCTest

@testable import Symbols

/// A trace in console format over the gcc fixture program (standing in for vmlinux),
/// resolved end to end.
final class TraceSymbolizerTests: XCTestCase {
  func testFramesResolveWithCallerRuleAndPassThroughOtherLines() throws {
    let object = try DebugObject(path: Fixtures.path("gcc-dwarf5"))
    let walk = try XCTUnwrap(object.symbols().symbols(named: "det_walk").first)
    let symbolizer = TraceSymbolizer(vmlinux: object, modulesDirectory: nil)
    let size = "0x" + String(walk.kallsymsSize, radix: 16)

    let plain = symbolizer.symbolize("[    1.000000] Call Trace:")
    XCTAssertNil(plain.frame)
    XCTAssertNil(plain.resolved)

    let frame = symbolizer.symbolize("[    1.000001]  det_walk+0x20/\(size)")
    let resolved = try XCTUnwrap(frame.resolved)
    XCTAssertEqual(resolved.address, walk.address + 0x20)
    XCTAssertEqual(resolved.lookupAddress, walk.address + 0x1f)
    XCTAssertEqual(resolved.source, try object.frames(at: walk.address + 0x1f))
    XCTAssertEqual(resolved.source.last?.function, "det_walk")

    let rip = symbolizer.symbolize("[    1.000002] RIP: 0010:det_walk+0x20/\(size)")
    XCTAssertEqual(rip.resolved?.lookupAddress, walk.address + 0x20)

    let unknown = symbolizer.symbolize("[    1.000003]  no_such_function+0x1/0x10")
    XCTAssertNil(unknown.resolved)
    XCTAssertNotNil(unknown.problem)

    let module = symbolizer.symbolize("[    1.000004]  det_walk+0x1/0x10 [det_missing]")
    XCTAssertNil(module.resolved)
    XCTAssertEqual(module.problem, "no modules directory for [det_missing]")
  }

  func testModulesAreFoundByNameUnderTheModulesDirectory() throws {
    // The relocatable fixture plays a module: `gcc-dwarf5.o` is not a `.ko`, so copy it.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-modules-\(getpid())")
    let nested = directory.appendingPathComponent("kernel/drivers")
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.copyItem(
      atPath: Fixtures.path("gcc-dwarf5.o"), toPath: nested.appendingPathComponent("det-chain.ko").path)
    let symbolizer = TraceSymbolizer(vmlinux: nil, modulesDirectory: directory.path)
    let line = symbolizer.symbolize(" ? det_walk+0x10/0x80 [det_chain]")
    let resolved = try XCTUnwrap(line.resolved, line.problem ?? "")
    XCTAssertEqual(resolved.source.last?.function, "det_walk")
    XCTAssertEqual(resolved.source.first?.file, "/coroner/fixtures/src/det_chain.c")
  }
}

/// The lab log's module frames against the lab's detonator modules as it built them
/// (with debug info; committed xz-compressed).
final class DetonatorModuleTests: XCTestCase {
  func testLabLogModuleFramesResolve() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-det-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for name in ["det_warn.ko.xz", "det_spin.ko.xz"] {
      try FileManager.default.copyItem(
        atPath: Fixtures.path(name), toPath: directory.appendingPathComponent(name).path)
    }
    let symbolizer = TraceSymbolizer(vmlinux: nil, modulesDirectory: directory.path)
    let lines = TraceSymbolizer.lines(try Fixtures.text("lab-6.1.0-56-warn-softlockup.log")).map {
      symbolizer.symbolize($0)
    }
    let moduleFrames = lines.filter { $0.frame?.module != nil }
    XCTAssertGreaterThanOrEqual(moduleFrames.count, 10)
    for line in moduleFrames {
      let resolved = try XCTUnwrap(line.resolved, "\(line.text): \(line.problem ?? "")")
      XCTAssertTrue(resolved.source.last?.file?.hasSuffix(".c") == true, line.text)
    }
    // The kernel's own WARN line names the source: "at detonators/det_warn.c:9".
    let warning = try XCTUnwrap(lines.first { $0.text.contains("WARNING:") && $0.resolved != nil })
    XCTAssertFalse(try XCTUnwrap(warning.frame).isReturnAddress)
    XCTAssertEqual(warning.resolved?.source.first?.line, 9)
    XCTAssertTrue(warning.resolved?.source.first?.file?.hasSuffix("detonators/det_warn.c") == true)
    // The spinning function: inlined cpu_relax() in det_spin_fn.
    let spin = try XCTUnwrap(lines.first { $0.text.contains("RIP: 0010:det_spin_fn") }?.resolved)
    XCTAssertEqual(spin.source.last?.function, "det_spin_fn")
    XCTAssertTrue(spin.source.contains { $0.function == "cpu_relax" })
  }
}

final class TraceAnnotationTests: XCTestCase {
  func testLayoutOfFramesInlineChainsAndOtherLines() throws {
    let object = try DebugObject(path: Fixtures.path("gcc-dwarf5"))
    let symbolizer = TraceSymbolizer(vmlinux: object, modulesDirectory: nil)
    // An address of det_walk inside the det_check -> det_scale -> det_clamp chain.
    let walk = try XCTUnwrap(object.symbols().symbols(named: "det_walk").first)
    let offset = try XCTUnwrap(
      (1..<walk.elfSize).first { try object.frames(at: walk.address + $0 - 1).count >= 3 })
    let trace = [
      "[    1.000000] Call Trace:",
      "[    1.000001]  ? det_walk+0x\(String(offset, radix: 16))/0x\(String(walk.kallsymsSize, radix: 16)) \r",
      "[    1.000002]  no_such+0x1/0x2",
    ]
    let text = TraceAnnotation.text(trace.map { symbolizer.symbolize($0) }, stripping: ["/coroner/fixtures/"])
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let chain = try object.frames(at: walk.address + offset - 1)
    XCTAssertEqual(lines[0], trace[0])
    XCTAssertTrue(
      lines[1].hasPrefix(
        "[    1.000001]  ? det_walk+0x\(String(offset, radix: 16))/0x\(String(walk.kallsymsSize, radix: 16)) src/"
      ),
      lines[1])
    XCTAssertTrue(lines[1].contains("(\(chain[0].function ?? "") inlined)"), lines[1])
    for (index, caller) in chain.enumerated().dropFirst() {
      XCTAssertEqual(
        lines[1 + index],
        "                    \(chain[index - 1].function ?? "") inlined into \(caller.function ?? "") at src/"
          + "\(caller.file?.split(separator: "/").last ?? ""):\(caller.line)")
    }
    XCTAssertEqual(lines[chain.count + 1], trace[2], "unresolved frames pass through")
  }
}
