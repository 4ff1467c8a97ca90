import Bytes
import Dump
import Foundation
import XCTest

@testable import Capture

/// Cyclic processing (`PageCycles`): whatever the cycle, the dump is byte for byte the
/// one written from whole bitmaps, and the bitmaps held never exceed the buffer.
final class PageCyclesTests: XCTestCase {
  static let perSection: UInt64 = 32768
  /// 40 memory sections (5 GiB of 4 KiB frames), RAM in a few sparse runs: across
  /// section and cycle boundaries, in a section without a memory map (5), at the end.
  static let maxMapNr: UInt64 = 40 * perSection
  static let ram: [Range<UInt64>] = [
    1..<2000, 8100..<8400, 32700..<33100, 5 * perSection + 10..<5 * perSection + 500, 70000..<71000,
    16 * perSection - 300..<16 * perSection + 300, 39 * perSection + 100..<40 * perSection - 1,
  ]
  static let root: UInt64 = 0xFFFF_8880_0010_0000
  static let sections: UInt64 = 0xFFFF_8880_0020_0000
  static let vmemmap: UInt64 = 0xFFFF_EA00_0000_0000

  /// The `struct page` of each frame, made on demand (6.1 layout, PageFilterTests.info):
  /// free blocks of 16 frames that start 5 frames before every multiple of 8192 (so they
  /// cross cycles and sections), compound cache pages of order 3 at 70000 and 8176,
  /// cache pages at pfn % 13 == 1, anonymous ones at pfn % 17 == 2.
  struct GeneratedKernel: KernelMemoryReader {
    static func page(_ pfn: UInt64) -> [UInt8] {
      var page = PageFilterTests.Page()
      if (pfn + 5) % 8192 == 0 {
        page = PageFilterTests.Page(mapcount: 0xFFFF_FF7F, privateData: 4)
      } else if pfn == 70000 || pfn == 8176 {
        page = PageFilterTests.Page(flags: 1 << 4 | 65536)
      } else if pfn % 13 == 1 {
        page = PageFilterTests.Page(flags: 1 << 4)
      } else if pfn % 17 == 2 {
        page = PageFilterTests.Page(flags: 1 << 4, mapping: 0x1001)
      }
      var bytes = page.bytes
      // The compound order is in the next page's descriptor (offset 17).
      if pfn == 70001 || pfn == 8177 { bytes[17] = 3 }
      return bytes
    }

    func read(_ virtual: UInt64, count: Int) throws -> [UInt8] {
      var bytes: [UInt8]
      var start: UInt64
      if virtual >= vmemmapStart {
        start = vmemmapStart + (virtual - vmemmapStart) / 64 * 64
        bytes = []
        var pfn = (virtual - vmemmapStart) / 64
        while start + UInt64(bytes.count) < virtual + UInt64(count) {
          bytes += Self.page(pfn)
          pfn += 1
        }
      } else if virtual >= PageCyclesTests.sections && virtual < PageCyclesTests.sections + 4096 {
        start = PageCyclesTests.sections
        bytes = [UInt8](repeating: 0, count: 4096)
        for section in 0..<40 where section != 5 {
          bytes.storeLittleEndian(vmemmapStart | 3, at: section * 32)
        }
      } else if virtual >= PageCyclesTests.root && virtual < PageCyclesTests.root + 32 {
        start = PageCyclesTests.root
        bytes = [UInt8](repeating: 0, count: 32)
        bytes.storeLittleEndian(PageCyclesTests.sections, at: 0)
      } else {
        throw DumpError.unmapped(virtual: virtual, level: "PTE")
      }
      let from = Int(virtual - start)
      guard from + count <= bytes.count else { throw DumpError.unmapped(virtual: virtual, level: "PTE") }
      return Array(bytes[from..<from + count])
    }

    var vmemmapStart: UInt64 { PageCyclesTests.vmemmap }
  }

  /// Page data made on demand: every fifth frame zero, the others their frame number.
  static func content(_ pfn: UInt64) -> [UInt8] {
    pfn % 5 == 0 ? [UInt8](repeating: 0, count: 4096) : SyntheticElf.page(pfn)
  }

  struct GeneratedMemory: PhysicalMemory {
    var pageSize: Int { 4096 }
    var physicalEnd: UInt64 { PageCyclesTests.maxMapNr * 4096 }
    var presentRanges: [Range<UInt64>] {
      PageCyclesTests.ram.map { $0.lowerBound * 4096..<$0.upperBound * 4096 }
    }

    func readPhysical(_ address: UInt64, count: Int) throws -> [UInt8] {
      let pfn = address / 4096
      guard PageCyclesTests.ram.contains(where: { $0.contains(pfn) }), address % 4096 == 0, count == 4096
      else {
        throw DumpError.physicalNotInDump(address: address)
      }
      return PageCyclesTests.content(pfn)
    }
  }

  func filter() throws -> PageFilter {
    try PageFilter(level: .all, vmcoreInfo: PageFilterTests.info, memory: GeneratedKernel())
  }

  func writer(dumped: UInt64) -> KdumpCompressedWriter {
    let fields = KdumpHeaderFields(
      utsname: ["Linux", "test", "6.1.0-test", "#1", "x86_64", ""], timestamp: 1, codec: .zlib,
      dumpLevel: DumpLevel.all.rawValue, physBase: 0, cpuCount: 0, notes: [], vmcoreInfoRange: nil)
    let layout = KdumpCompressedLayout(
      blockSize: 4096, maxMapNr: Self.maxMapNr, notesSize: 0, dumpedPages: dumped)
    return KdumpCompressedWriter(layout: layout, fields: fields, threads: 2)
  }

  /// Frames the log would be read from: kept, left out by the filter, outside RAM.
  let first: [UInt64] = [100, 8190, 32765, 70003, 16 * 32768 + 2, 39 * 32768 + 200, 999_999, 100]

  /// The dump and its counts written from whole bitmaps, as before cycles.
  func wholeDump() throws -> (bytes: [UInt8], dumpable: PageBitmap, excluded: [ExcludedClass: UInt64]) {
    var memory = PageBitmap(pageCount: Self.maxMapNr)
    for range in Self.ram { memory.insert(range) }
    var dumpable = memory
    let filtered = try filter().apply(to: &dumpable)
    let output = MemoryDumpOutput()
    let result = try writer(dumped: dumpable.count).write(
      memory: memory, dumpable: dumpable, source: GeneratedMemory(), to: output, first: first)
    XCTAssertTrue(result.complete)
    return (output.bytes, dumpable, filtered.excluded)
  }

  /// What `CaptureSession` does: a survey that writes each cycle's bitmaps, then the pages.
  func cyclicDump(bufferBytes: Int) throws -> (bytes: [UInt8], cycles: PageCycles, survey: PageCycles.Survey)
  {
    let cycles = PageCycles(
      pageCount: Self.maxMapNr, memory: Self.ram, dumpable: Self.ram, filter: try filter(),
      bufferBytes: bufferBytes)
    let head = writer(dumped: 0).layout
    let output = MemoryDumpOutput()
    let survey = try cycles.survey(first: first) { cycle in
      XCTAssertLessThanOrEqual(cycle.memory.words.count * 8, max(bufferBytes, 1024))
      XCTAssertLessThanOrEqual(cycle.dumpable.words.count * 8, max(bufferBytes, 1024))
      try head.writeBitmaps(cycle, last: cycle.index == cycles.count - 1, to: output)
    }
    let result = try writer(dumped: survey.pagesDumpable).write(
      cycles: cycles, firstRanks: survey.firstRanks, bitmaps: false, source: GeneratedMemory(), to: output)
    XCTAssertTrue(result.complete)
    XCTAssertEqual(result.pagesWritten, survey.pagesDumpable)
    return (output.bytes, cycles, survey)
  }

  func testEveryCycleSizeWritesTheDumpOfWholeBitmaps() throws {
    let whole = try wholeDump()
    // Six whole free blocks (8187, 32763, 524283, 1286139, 1294331, 1302523), and the 4
    // frames of the last one below max_mapnr; four cross a batch of 4096 descriptors.
    XCTAssertEqual(whole.excluded[.free], 6 * 16 + 4)
    XCTAssertGreaterThan(whole.excluded[.cacheWithoutPrivate] ?? 0, 8)
    // 1 KiB: 8192 frames a cycle, 160 cycles, four to a section. 4 KiB: a section a
    // cycle. 12 KiB: three sections. The default: one cycle.
    let sizes: [(Int, Int)] = [
      (1 << 10, 160), (4 << 10, 40), (12 << 10, 14), (PageCycles.defaultBufferBytes, 1),
    ]
    for (buffer, expectedCycles) in sizes {
      let cyclic = try cyclicDump(bufferBytes: buffer)
      XCTAssertEqual(cyclic.cycles.count, expectedCycles, "buffer \(buffer)")
      XCTAssertEqual(cyclic.survey.pagesDumpable, whole.dumpable.count, "buffer \(buffer)")
      XCTAssertEqual(cyclic.survey.filtered.excluded, whole.excluded, "buffer \(buffer)")
      XCTAssertEqual(cyclic.survey.filtered.unreadableSections, 1)
      let kept: [UInt64] = [100, 8190, 70003, 16 * 32768 + 2, 39 * 32768 + 200].filter {
        whole.dumpable.contains($0)
      }
      let ranks: [UInt64] = kept.map { whole.dumpable.rank($0) }
      XCTAssertEqual(kept.count, 2)
      XCTAssertEqual(cyclic.survey.firstRanks.map(\.rank), ranks)
      XCTAssertEqual(cyclic.bytes.count, whole.bytes.count, "buffer \(buffer)")
      XCTAssertTrue(
        cyclic.bytes == whole.bytes, "buffer \(buffer): the dump differs from the whole bitmaps' one")
    }
  }

  /// Read back, the cyclic dump holds each kept page and leaves out what the filter
  /// chose, the free block from 32763 (across section 0's end and a cycle's) included.
  func testTheCyclicDumpReadsBack() throws {
    let whole = try wholeDump()
    let cyclic = try cyclicDump(bufferBytes: 1 << 10)
    let dump = try KdumpCompressedDump(source: MemoryByteSource(name: "cyclic", bytes: cyclic.bytes))
    XCTAssertEqual(dump.dumpedPages, cyclic.survey.pagesDumpable)
    XCTAssertEqual(dump.memoryPages, UInt64(Self.ram.map(\.count).reduce(0, +)))
    XCTAssertFalse(whole.dumpable.contains(32778))
    XCTAssertTrue(whole.dumpable.contains(5 * 32768 + 14), "section 5 has no memory map: its pages are kept")
    for range in Self.ram {
      for pfn in range {
        if whole.dumpable.contains(pfn) {
          XCTAssertEqual(try dump.page(pfn), Self.content(pfn), "pfn \(pfn)")
        } else {
          XCTAssertThrowsError(try dump.page(pfn)) {
            XCTAssertEqual($0 as? DumpError, .pageExcluded(address: pfn * 4096))
          }
        }
      }
    }
  }

  /// Asked out of order, a cycle is made from the start again: the same bits.
  func testACycleAskedOutOfOrderIsTheSame() throws {
    let cycles = PageCycles(
      pageCount: Self.maxMapNr, memory: Self.ram, dumpable: Self.ram, filter: try filter(),
      bufferBytes: 1 << 10)
    let inOrder = (0..<6).map { cycles.cycle($0).dumpable }
    XCTAssertEqual(cycles.cycle(4).dumpable, inOrder[4])
    XCTAssertEqual(cycles.cycle(1).dumpable, inOrder[1])
    XCTAssertEqual(cycles.frames(159), 159 * 8192..<160 * 8192)
  }

  func testPartOfABitmap() {
    var part = PageBitmap(covering: 200..<400)
    XCTAssertEqual(part.start, 192)
    part.insert(0..<1000)
    XCTAssertEqual(part.count, 400 - 192)
    XCTAssertFalse(part.contains(191))
    XCTAssertTrue(part.contains(399))
    XCTAssertFalse(part.contains(400))
    part.remove(300)
    XCTAssertEqual(part.rank(301), 300 - 192)
    XCTAssertEqual(part.ranks(of: [10, 192, 299, 300, 301, 399, 500]).map(\.rank), [0, 107, 108, 206])
    var seen: [UInt64] = []
    part.forEach(from: 296) { pfn in
      seen.append(pfn)
      return pfn < 302
    }
    XCTAssertEqual(seen, [296, 297, 298, 299, 301, 302])
  }

  /// The repository's dumps and the 6.1 sample, captured at level 31 with cycles of 8192
  /// frames and of one section, are the dump of one cycle (but the header's timestamp).
  func testRepositoryDumpsAreTheSameWhateverTheCycle() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let dumps =
      ["kdump-6.1-cut", "qemu-5.10-cut", "qemu-6.1-la57-cut", "qemu-6.12-cut"].map {
        root.appendingPathComponent("Tests/DumpTests/Fixtures/\($0).kdump").path
      } + [root.appendingPathComponent("Samples/softlockup-6.1/vmcore").path]
    let scratch = NSTemporaryDirectory() + "page-cycles-\(getpid())-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    for (index, dump) in dumps.enumerated() where FileManager.default.fileExists(atPath: dump) {
      var outputs: [[UInt8]] = []
      var statuses: [Int32] = []
      for buffer in [nil, "1", "4"] {
        let folder = "\(scratch)/\(index)-\(buffer ?? "default")"
        var text = ""
        let status = CaptureTool.run(
          ["--from", dump, "--to", folder, "--compress", "zlib", "--threads", "1"]
            + (buffer.map { ["--cyclic-buffer", $0] } ?? []),
          program: "coroner", terminal: false, write: { text += $0 }, help: { _ in })
        // A cut dump's capture says it is incomplete (its lost pages): the same each time.
        statuses.append(status)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/dump.kdump")))
        // disk_dump_header.timestamp (struct timeval at offset 408) is the time of each run.
        for offset in 408..<424 where offset < bytes.count { bytes[offset] = 0 }
        outputs.append(bytes)
      }
      XCTAssertEqual(Set(statuses).count, 1, "\(dump): \(statuses)")
      XCTAssertGreaterThan(outputs[0].count, 8192, dump)
      XCTAssertTrue(outputs[1] == outputs[0], "\(dump): 1 KiB cycles differ")
      XCTAssertTrue(outputs[2] == outputs[0], "\(dump): 4 KiB cycles differ")
    }
  }
}

/// A target that takes `room` bytes, then fails as a full disk does.
final class SmallTarget: DumpOutput, @unchecked Sendable {
  let name = "small.kdump"
  let room: UInt64
  var end: UInt64 = 0
  var writes = 0

  init(room: UInt64) { self.room = room }

  func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
    writes += 1
    guard offset + UInt64(bytes.count) <= room else {
      throw CaptureError.write(path: name, offset: offset, errno: ENOSPC)
    }
    end = max(end, offset + UInt64(bytes.count))
  }

  func reserve(_ size: UInt64) {}
  func synchronize() throws {}
}

final class HostileCycleTests: XCTestCase {
  /// A header promising the most RAM a small file may (512 GiB: Dump allows 16 MiB of
  /// bitmap) over a file of three pages, and a target with 20 MiB of room: the capture
  /// stops at the first bitmap write the target refuses and names it, with no page
  /// written after bitmaps that are not there.
  func testAFullTargetStopsTheCyclesAtTheBitmaps() throws {
    var bytes = SyntheticElf.build(ranges: [1..<4]) { SyntheticElf.page($0) }
    bytes.storeLittleEndian((UInt64(1) << 39) - 4096, at: 64 + 56 + 40)  // PT_LOAD[1].p_memsz
    let scratch = NSTemporaryDirectory() + "hostile-cycles-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    try Data(bytes).write(to: URL(fileURLWithPath: scratch + "/large.elf"))
    let target = SmallTarget(room: 20 << 20)
    var options = CaptureSession.Options(
      source: scratch + "/large.elf", directory: scratch, level: DumpLevel(level: 0)!, codec: .zlib)
    options.output = target
    let report = try CaptureSession(options: options).run()
    XCTAssertFalse(report.complete)
    XCTAssertTrue(
      report.problems.contains { $0.hasPrefix("the dump's header or bitmaps could not be written") },
      "\(report.problems)")
    XCTAssertEqual(report.pagesWritten, 0)
    // Bitmaps at 8 KiB (after the header and sub-header blocks), 16 MiB each, in cycles
    // of 2 MiB: the 2nd bitmap's part of cycle 1 (18 MiB in) is the write refused.
    XCTAssertEqual(
      report.error, CaptureError.write(path: "small.kdump", offset: 8192 + (18 << 20), errno: ENOSPC))
    XCTAssertEqual(target.writes, 5)
    XCTAssertEqual(target.end, 8192 + (18 << 20))
  }
}
