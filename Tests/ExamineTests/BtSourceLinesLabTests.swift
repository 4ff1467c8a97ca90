import Foundation
import Lab
import TestSupport
import XCTest

/// `coroner bt --vmlinux` on the 6.1 panic scene: frames unwound from the dump get the
/// file:line that binutils' addr2line gives for the same code in Debian's debug vmlinux.
final class BtSourceLinesLabTests: XCTestCase {
  func coroner() throws -> String {
    try BuiltCoroner.url(beside: Self.self).path
  }

  func testPanicFramesGetAddr2linesSourceLines() throws {
    let scene = try LabScenes.scene("panic", on: .v6_1)
    let package = try LabGate.debugPackage(.v6_1, parts: [.systemMap, .vmlinux])
    let vmlinux = try XCTUnwrap(package.file(.vmlinux)).path
    let data = try ToolRun.output(try coroner(), ["bt", "--json", "--vmlinux", vmlinux, scene.vmcore.path])
    let stacks = try XCTUnwrap(
      (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["stacks"] as? [[String: Any]])
    let frames = try XCTUnwrap(
      stacks.lazy.compactMap { $0["frames"] as? [[String: Any]] }
        .first { $0.contains { $0["function"] as? String == "sysrq_handle_crash" } },
      "a running task's stack through sysrq_handle_crash")
    // Link-time addresses of the functions, to hand addr2line the same code the dump
    // ran (the dump's addresses carry the KASLR offset).
    let symbols = String(decoding: try ToolRun.output("nm", [vmlinux]), as: UTF8.self)
    var linked: [String: UInt64] = [:]
    for line in symbols.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count == 3, "Tt".contains(fields[1]), let address = UInt64(fields[0], radix: 16) else {
        continue
      }
      linked[String(fields[2])] = linked[String(fields[2])] ?? address
    }
    var checked = 0
    // The first frame is the instruction the CPU stopped at; on this path (panic from
    // the sysrq write, down to the syscall entry) every later one is a return address,
    // whose call is the byte before: addr2line is given what the kernel's %pB looks up.
    for frame in frames.dropFirst() {
      guard let function = frame["function"] as? String, frame["module"] is NSNull,
        let offsetText = (frame["offset"] as? String)?.dropFirst(2),
        let offset = UInt64(offsetText, radix: 16),
        let start = linked[function]
      else { continue }
      let address = start + offset - 1
      let reference = String(
        decoding: try ToolRun.output("addr2line", ["-i", "-e", vmlinux, String(address, radix: 16)]),
        as: UTF8.self
      ).trimmingCharacters(in: .whitespacesAndNewlines)
      // With -i the inline chain, innermost first: the last line is the function the
      // code was compiled in, whose line bt gives the frame.
      // "/build/.../drivers/tty/sysrq.c:155 (discriminator 1)" -> path suffix and line.
      let outer = reference.split(separator: "\n").last.map(String.init) ?? reference
      let place = outer.split(separator: " ").first.map(String.init) ?? outer
      let file = try XCTUnwrap(frame["file"] as? String, "\(function): no file")
      let line = try XCTUnwrap(frame["line"] as? Int, "\(function): no line")
      XCTAssertTrue(
        place.hasSuffix("/\(file):\(line)") || place == "\(file):\(line)",
        "\(function): \(place) vs \(file):\(line)")
      checked += 1
    }
    XCTAssertGreaterThanOrEqual(checked, 5, "vmlinux frames checked against addr2line")
  }
}
