import Foundation
import XCTest

@testable import Kernel

/// ORC entries packed as arch/x86/include/asm/orc_types.h lays them out in each
/// format, and tables with place-relative addresses.
final class OrcTests: XCTestCase {
  static func pack(sp: Int16, bp: Int16, bits: UInt16) -> [UInt8] {
    let sp = UInt16(bitPattern: sp)
    let bp = UInt16(bitPattern: bp)
    return [
      UInt8(sp & 0xff), UInt8(sp >> 8), UInt8(bp & 0xff), UInt8(bp >> 8), UInt8(bits & 0xff),
      UInt8(bits >> 8),
    ]
  }

  func testFormatsDecodeTheSameFrameFromTheirOwnBits() throws {
    // sp = SP + 16, bp = *(prev_sp - 16), a CALL frame.
    let v1 = Self.pack(sp: 16, bp: -16, bits: 5 | 1 << 4 | 0 << 8)
    let v3 = Self.pack(sp: 16, bp: -16, bits: 5 | 1 << 4 | 2 << 8)
    let v4 = Self.pack(sp: 16, bp: -16, bits: 3 | 8 << 4 | 2 << 8)
    let expected = OrcEntry(
      spOffset: 16, bpOffset: -16, spRegister: .sp, bpRegister: .previousSp, kind: .call, signal: false)
    XCTAssertEqual(OrcFormat.v1.decode(v1, at: 0), expected)
    XCTAssertEqual(OrcFormat.v3.decode(v3, at: 0), expected)
    XCTAssertEqual(OrcFormat.v4.decode(v4, at: 0), expected)
    // v1: an undefined sp register with `end` set is the end of the stack; v3 has a type.
    XCTAssertEqual(OrcFormat.v1.decode(Self.pack(sp: 0, bp: 0, bits: 1 << 10), at: 0)?.kind, .endOfStack)
    XCTAssertEqual(OrcFormat.v1.decode(Self.pack(sp: 0, bp: 0, bits: 0), at: 0)?.kind, .undefined)
    XCTAssertEqual(OrcFormat.v3.decode(Self.pack(sp: 0, bp: 0, bits: 1 << 8), at: 0)?.kind, .endOfStack)
    // REGS frames: v1 implies a signal frame, v2+ say it in bit 10 / 11.
    XCTAssertEqual(OrcFormat.v1.decode(Self.pack(sp: 8, bp: 0, bits: 5 | 1 << 8), at: 0)?.signal, true)
    XCTAssertEqual(
      OrcFormat.v3.decode(Self.pack(sp: 8, bp: 0, bits: 5 | 3 << 8 | 1 << 11), at: 0)?.kind, .regs)
    XCTAssertEqual(
      OrcFormat.v2.decode(Self.pack(sp: 8, bp: 0, bits: 5 | 1 << 8 | 1 << 10), at: 0)?.signal, true)
    XCTAssertNil(OrcFormat.v1.decode([1, 2, 3], at: 0))
  }

  func testFormatFollowsTheRelease() {
    XCTAssertEqual(OrcFormat.detect(version: (5, 10), hasHeader: false), .v1)
    XCTAssertEqual(OrcFormat.detect(version: (6, 1), hasHeader: false), .v1)
    XCTAssertEqual(OrcFormat.detect(version: (6, 3), hasHeader: false), .v2)
    XCTAssertEqual(OrcFormat.detect(version: (6, 3), hasHeader: true), .v3)
    XCTAssertEqual(OrcFormat.detect(version: (6, 12), hasHeader: true), .v3)
    XCTAssertEqual(OrcFormat.detect(version: (7, 2), hasHeader: true), .v4)
  }

  /// A table of three entries whose addresses are stored relative to themselves.
  static func table() throws -> (OrcTable, [UInt8], [UInt8]) {
    let base: UInt64 = 0xffff_ffff_8100_0000
    let ipBase: UInt64 = 0xffff_ffff_8200_0000
    let targets: [UInt64] = [base, base + 0x40, base + 0x100]
    var ips: [UInt8] = []
    for (index, target) in targets.enumerated() {
      let relative = Int32(truncatingIfNeeded: Int64(bitPattern: target &- (ipBase + UInt64(4 * index))))
      ips += withUnsafeBytes(of: relative.littleEndian, Array.init)
    }
    let entries =
      [UInt8](repeating: 0, count: 0)
      + Self.pack(sp: 8, bp: 0, bits: 5) + Self.pack(sp: 16, bp: 0, bits: 5)
      + Self.pack(sp: 0, bp: 0, bits: 1 << 10)
    let range = try OrcTable.range(
      name: "test", text: base..<base + 0x200, ipBase: ipBase, ips: ips, entries: entries)
    return (OrcTable(format: .v1, ranges: [range]), ips, entries)
  }

  func testLookupFindsTheRightmostEntryAtOrBelowThePc() throws {
    let (table, ips, entries) = try Self.table()
    if let directory = ProcessInfo.processInfo.environment["CORONER_WRITE_FUZZ_SEEDS"] {
      try Data(ips + entries).write(to: URL(fileURLWithPath: directory + "/seed-Orc-1"))
    }
    let base: UInt64 = 0xffff_ffff_8100_0000
    XCTAssertEqual(table.lookup(base)?.spOffset, 8)
    XCTAssertEqual(table.lookup(base + 0x3f)?.spOffset, 8)
    XCTAssertEqual(table.lookup(base + 0x40)?.spOffset, 16)
    XCTAssertEqual(table.lookup(base + 0x1ff)?.kind, .endOfStack)
    XCTAssertNil(table.lookup(base - 1))
    XCTAssertNil(table.lookup(base + 0x200))
  }

  func testMismatchedTablesAreRefused() {
    XCTAssertThrowsError(
      try OrcTable.range(name: "bad", text: 0..<10, ipBase: 0, ips: [0, 0, 0, 0], entries: [0, 0, 0]))
    XCTAssertThrowsError(
      try OrcTable.range(name: "bad", text: 0..<10, ipBase: 0, ips: [0, 0, 0], entries: []))
  }

  func testStateLettersFollowTheKernelsIndex() {
    XCTAssertEqual(TaskState.letter(state: 0, exitState: 0), "R")
    XCTAssertEqual(TaskState.letter(state: 1, exitState: 0), "S")
    XCTAssertEqual(TaskState.letter(state: 2, exitState: 0), "D")
    XCTAssertEqual(TaskState.letter(state: 0x402, exitState: 0), "I")  // TASK_IDLE
    XCTAssertEqual(TaskState.letter(state: 4, exitState: 0), "T")
    XCTAssertEqual(TaskState.letter(state: 8, exitState: 0), "t")
    XCTAssertEqual(TaskState.letter(state: 0, exitState: 0x20), "Z")
    XCTAssertEqual(TaskState.letter(state: 0, exitState: 0x10), "X")
    XCTAssertEqual(TaskState.letter(state: 0x40, exitState: 0), "P")
    XCTAssertEqual(TaskState.letter(state: 0x1000, exitState: 0), "D")  // TASK_RTLOCK_WAIT
    XCTAssertEqual(TaskState.letter(state: 0x102, exitState: 0), "D")  // TASK_KILLABLE
  }
}
