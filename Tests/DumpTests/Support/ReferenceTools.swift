import Foundation
import TestSupport
import XCTest

@testable import Dump

/// Comparisons of a real dump with the reference tools (vmcore-dmesg, makedumpfile) and
/// with the serial console of the same boot, shared by the lab-scene tests.
extension XCTestCase {
  func dmesg(_ path: String) throws -> [UInt8] {
    let log = try Vmcore.open(path: path).kernelLog()
    var output: [UInt8] = []
    for record in log.records { DmesgFormatter.vmcoreDmesg(record, into: &output) }
    return output
  }

  func makedumpfileStyle(_ path: String) throws -> [UInt8] {
    var output: [UInt8] = []
    for record in try Vmcore.open(path: path).kernelLog().records {
      DmesgFormatter.makedumpfile(record, into: &output)
    }
    return output
  }

  /// An in-guest vmcore against vmcore-dmesg, and every makedumpfile output of it at dump
  /// level 31 (kdump-compressed zlib, lzo and uncompressed; ELF; the flattened stream of
  /// zlib and lzo; a --split pair) against vmcore-dmesg of the source, the
  /// kdump-compressed ones also against makedumpfile --dump-dmesg.
  func checkInGuestVmcore(_ vmcore: String, scratch: URL) throws {
    let expected = [UInt8](try ToolRun.output("vmcore-dmesg", [vmcore]))
    XCTAssertEqual(try dmesg(vmcore), expected, vmcore)
    for (flags, name) in [(["-c"], "c31"), (["-l"], "l31"), ([], "raw31"), (["-E"], "E31")] {
      let output = scratch.appendingPathComponent(name).path
      try? FileManager.default.removeItem(atPath: output)
      try ToolRun.output("makedumpfile", flags + ["-d", "31", vmcore, output])
      defer { try? FileManager.default.removeItem(atPath: output) }
      XCTAssertEqual(try dmesg(output), expected, "\(vmcore) makedumpfile \(flags) -d 31")
      guard name != "E31" else { continue }
      let text = scratch.appendingPathComponent(name + ".txt").path
      try? FileManager.default.removeItem(atPath: text)
      try ToolRun.output("makedumpfile", ["--dump-dmesg", output, text])
      let reference = try Data(contentsOf: URL(fileURLWithPath: text))
      XCTAssertEqual(try makedumpfileStyle(output), [UInt8](reference), "\(vmcore) --dump-dmesg of \(flags)")
    }
    for codec in ["-c", "-l"] {
      let flat = try ToolRun.output("makedumpfile", ["-F", codec, "-d", "31", vmcore])
      let path = scratch.appendingPathComponent("F31" + codec).path
      try flat.write(to: URL(fileURLWithPath: path))
      defer { try? FileManager.default.removeItem(atPath: path) }
      XCTAssertEqual(try dmesg(path), expected, "\(vmcore) makedumpfile -F \(codec)")
    }
    let parts = ["split1", "split2"].map { scratch.appendingPathComponent($0).path }
    for part in parts { try? FileManager.default.removeItem(atPath: part) }
    try ToolRun.output("makedumpfile", ["--split", "-c", "-d", "31", vmcore] + parts)
    defer { for part in parts { try? FileManager.default.removeItem(atPath: part) } }
    var split: [UInt8] = []
    for record in try Vmcore.open(paths: parts).kernelLog().records {
      DmesgFormatter.vmcoreDmesg(record, into: &split)
    }
    XCTAssertEqual(split, expected, "\(vmcore) makedumpfile --split parts")
  }

  /// vmcore-dmesg on a copy of a QEMU ELF dump rewritten to /proc/vmcore's layout (it
  /// cannot read QEMU's own), against Coroner on the dump itself.
  func checkQemuElfAgainstVmcoreDmesg(_ path: String, name: String) throws {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-proc-\(getpid()).elf"
    ).path
    defer { try? FileManager.default.removeItem(atPath: copy) }
    try ProcVmcoreLayout.rewrite(path, to: copy)
    let expected = try ToolRun.output("vmcore-dmesg", [copy])
    XCTAssertEqual(try dmesg(path), [UInt8](expected), name)
  }

  /// A QEMU dump's records against the serial console of the same boot.
  func checkAgainstConsole(dump elf: String, serial: String, panic: String, name: String) throws {
    let console = try String(contentsOfFile: serial, encoding: .utf8)
      .replacingOccurrences(of: "\r", with: "").split(separator: "\n").filter { $0.hasPrefix("[") }.map(
        String.init)
    let log = try Vmcore.open(path: elf).kernelLog()
    var kernelStyle: [UInt8] = []
    for record in log.records { DmesgFormatter.kernel(record, into: &kernelStyle) }
    let output = String(decoding: kernelStyle, as: UTF8.self)
    // The console shows the records at or above its log level, a line per line of
    // text: every console line must be one of the dump's lines, in order.
    let dumpLines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var index = 0
    var missing: [String] = []
    for line in console {
      guard let found = dumpLines[index...].firstIndex(of: line) else {
        missing.append(line)
        continue
      }
      index = found + 1
    }
    XCTAssertEqual(missing, [], "\(name): console lines not found in order in the dump")
    XCTAssertGreaterThan(console.count, 300, name)
    XCTAssertTrue(output.contains(panic), name)
  }
}
