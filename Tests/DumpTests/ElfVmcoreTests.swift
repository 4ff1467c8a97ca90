import XCTest

@testable import Dump

final class ElfVmcoreTests: XCTestCase {
  func kernel() -> SyntheticKernel {
    var kernel = SyntheticKernel()
    kernel.writeRing((0..<10).map { SyntheticKernel.Message("elf \($0)", at: UInt64($0)) })
    return kernel
  }

  func testSegmentsNotesAndRegisters() throws {
    let dump = try Vmcore(source: MemoryByteSource(name: "k.elf", bytes: kernel().elf))
    XCTAssertEqual(dump.format, .elf)
    XCTAssertEqual(dump.vmcoreInfoSource, .note)
    XCTAssertEqual(dump.cpus.count, 1)
    XCTAssertEqual(dump.cpus[0].pid, 1)
    XCTAssertEqual(dump.cpus[0]["rsp"], 0xFFFF_C900_0000_0F00)
    XCTAssertThrowsError(try dump.physical.readPhysical(0x0800_0000, count: 1)) { error in
      XCTAssertEqual(error as? DumpError, .physicalNotInDump(address: 0x0800_0000))
    }
  }

  func testPagingDumpsWithRepeatedRangesAndPNXNUM() throws {
    let kernel = kernel()
    let reference = try Vmcore(source: MemoryByteSource(name: "k.elf", bytes: kernel.elf)).kernelLog()
    // Physical ranges repeated by later segments (inside, straddling, and equal).
    let duplicates: [(physical: UInt64, length: UInt64)] = [
      (0x30_0000, 0x1000), (0x120_1000, 0x3000), (0x50_0000, 0x400), (0x120_0000, 0x6000),
    ]
    let elf = ElfWriter.write(memory: kernel.memory, notes: kernel.notes, duplicates: duplicates, xnum: true)
    let dump = try Vmcore(source: MemoryByteSource(name: "paging.elf", bytes: elf))
    let physical = try XCTUnwrap(dump.physical as? ElfVmcore)
    XCTAssertEqual(physical.segments.count, kernel.memory.runs.count)
    for (left, right) in zip(physical.segments, physical.segments.dropFirst()) {
      XCTAssertLessThanOrEqual(left.physical + left.memorySize, right.physical)
    }
    XCTAssertEqual(try dump.kernelLog().records, reference.records)
  }

  func testVmcoreInfoIsFoundInMemoryWhenTheNoteIsMissing() throws {
    var kernel = kernel()
    // The kernel's own copy: a page-aligned note in memory.
    kernel.memory.write(
      elfNote(name: "VMCOREINFO", type: 0, descriptor: Array(kernel.vmcoreInfo.utf8)), at: 0x80_0000)
    let notes = elfNote(name: "CORE", type: 1, descriptor: prstatus(pid: 1, rip: 1, rsp: 2))
    let elf = ElfWriter.write(memory: kernel.memory, notes: notes)
    let dump = try Vmcore(source: MemoryByteSource(name: "scan.elf", bytes: elf))
    XCTAssertEqual(dump.vmcoreInfoSource, .memoryScan)
    XCTAssertTrue(dump.problems.contains { $0.contains("0x800000") }, "\(dump.problems)")
    XCTAssertEqual(try dump.kernelLog().records.count, 10)
  }

  func testTruncatedEverywhereNeverTraps() throws {
    let bytes = kernel().elf
    var errors = 0
    var partial = 0
    for cut in stride(from: 0, to: bytes.count, by: 251) {
      do {
        let dump = try Vmcore(source: MemoryByteSource(name: "cut.elf", bytes: Array(bytes[0..<cut])))
        if dump.problems.contains(where: { $0.contains("truncated") }) { partial += 1 }
        _ = try? dump.kernelLog()
      } catch is DumpError {
        errors += 1
      }
    }
    XCTAssertGreaterThan(errors, 0)
    XCTAssertGreaterThan(partial, 0)
  }

  func testCorruptedHeaderFieldsAreTypedErrors() throws {
    let bytes = kernel().elf
    let cases: [(Int, [UInt8], String)] = [
      (4, [1], "ELF class"), (5, [2], "big-endian"), (16, [2, 0], "e_type"), (54, [8, 0], "e_phentsize"),
      (56, [0xFE, 0xFF], "e_phnum"), (32, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "e_phoff"),
    ]
    for (offset, value, name) in cases {
      var broken = bytes
      broken.replaceSubrange(offset..<offset + value.count, with: value)
      XCTAssertThrowsError(try Vmcore(source: MemoryByteSource(name: name, bytes: broken)), name) { error in
        XCTAssertTrue(error is DumpError, "\(name): \(error)")
      }
    }
    // A note whose size runs past its segment.
    var note = bytes
    note.put(UInt32(0xFFFF_FFF0), at: Int(bytes.u64(64 + 8)!) + 4)
    XCTAssertThrowsError(try Vmcore(source: MemoryByteSource(name: "note.elf", bytes: note)))
    // A PT_LOAD whose file size exceeds its memory size.
    var load = bytes
    load.put(UInt64(1) << 40, at: 64 + 56 + 32)
    XCTAssertThrowsError(try Vmcore(source: MemoryByteSource(name: "load.elf", bytes: load)))
    XCTAssertThrowsError(try Vmcore(source: MemoryByteSource(name: "empty", bytes: []))) { error in
      XCTAssertEqual(error as? DumpError, .unknownFormat(path: "empty"))
    }
  }
}

final class VmcoreSummaryTests: XCTestCase {
  func testSummaryOfASyntheticKdumpFile() throws {
    var kernel = SyntheticKernel(countBits: 5, sizeBits: 12)
    kernel.writeRing([
      SyntheticKernel.Message("Linux version 6.1.0-synthetic", at: 0),
      SyntheticKernel.Message("Kernel panic - not syncing: Fatal exception in interrupt", at: 5_000_000_000),
      SyntheticKernel.Message(
        "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-synthetic #1", at: 5_000_000_001),
    ])
    let bytes = try KdumpWriter.write(
      memory: kernel.memory, maxPfn: 0x2000, notes: kernel.notes, vmcoreInfo: Array(kernel.vmcoreInfo.utf8),
      dumpLevel: 31)
    let summary = VmcoreSummary(try Vmcore(source: MemoryByteSource(name: "s.kdump", bytes: bytes)))
    XCTAssertEqual(summary.format, "kdump-compressed")
    XCTAssertEqual(summary.compression, ["zlib"])
    XCTAssertEqual(summary.dumpLevel, 31)
    XCTAssertEqual(summary.headerVersion, 6)
    XCTAssertEqual(summary.kernelRelease, "6.1.0-synthetic")
    XCTAssertEqual(summary.physBase, Int64(SyntheticKernel.physBase))
    XCTAssertEqual(summary.directMapBase, SyntheticKernel.directMap)
    XCTAssertEqual(summary.fiveLevelPaging, false)
    XCTAssertEqual(summary.logRecords, 3)
    XCTAssertEqual(summary.scene?.panicMessage, "Fatal exception in interrupt")
    XCTAssertEqual(summary.scene?.comm, "swapper/0")
    XCTAssertEqual(summary.scene?.registers?["rip"], 0xFFFF_FFFF_8100_1234)
    XCTAssertEqual(summary.problems, [])
  }
}
