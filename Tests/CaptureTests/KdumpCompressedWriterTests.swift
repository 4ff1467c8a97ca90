import Dump
import XCTest

@testable import Capture

/// The writer's output read back by Dump's own kdump-compressed reader.
final class KdumpCompressedWriterTests: XCTestCase {
  let ranges: [Range<UInt64>] = [1..<40, 64..<300]
  let maxMapNr: UInt64 = 300

  /// Pages of frames divisible by 7 are zero, the others distinct.
  func content(_ pfn: UInt64) -> [UInt8] {
    pfn % 7 == 0 ? [UInt8](repeating: 0, count: 4096) : SyntheticElf.page(pfn)
  }

  func elf() throws -> ElfVmcore {
    try ElfVmcore(
      source: MemoryByteSource(
        name: "synthetic.elf", bytes: SyntheticElf.build(ranges: ranges, content: content)))
  }

  func bitmaps(excluding excluded: Set<UInt64>) -> (PageBitmap, PageBitmap) {
    var memory = PageBitmap(pageCount: maxMapNr)
    for range in ranges { memory.insert(range) }
    var dumpable = memory
    for pfn in excluded { dumpable.remove(pfn) }
    return (memory, dumpable)
  }

  func writer(_ elf: ElfVmcore, dumped: UInt64, codec: PageCodec, level: DumpLevel) -> KdumpCompressedWriter {
    let (notes, range) = KdumpHeaderFields.notesBlob(elf.notes)
    let fields = KdumpHeaderFields(
      utsname: ["Linux", "test", "6.1.0-test", "#1", "x86_64", ""], timestamp: 1, codec: codec,
      dumpLevel: level.rawValue, physBase: 0, cpuCount: 0, notes: notes, vmcoreInfoRange: range)
    let layout = KdumpCompressedLayout(
      blockSize: 4096, maxMapNr: maxMapNr, notesSize: notes.count, dumpedPages: dumped)
    var writer = KdumpCompressedWriter(layout: layout, fields: fields, threads: 2)
    writer.chunkPages = 16
    return writer
  }

  func testEveryCodecRoundTripsThroughTheReader() throws {
    let elf = try elf()
    let excluded: Set<UInt64> = [5, 6, 100, 101, 299]
    let (memory, dumpable) = bitmaps(excluding: excluded)
    for codec in PageCodec.allCases {
      guard (try? PageEncoder(codec: codec, pageSize: 4096)) != nil else { continue }
      let output = MemoryDumpOutput()
      let result = try writer(elf, dumped: dumpable.count, codec: codec, level: .all).write(
        memory: memory, dumpable: dumpable, source: elf, to: output)
      XCTAssertTrue(result.complete, "\(codec)")
      XCTAssertEqual(result.pagesWritten, dumpable.count)
      XCTAssertEqual(
        result.zeroPages, UInt64((1..<300).filter { $0 % 7 == 0 && dumpable.contains($0) }.count))
      let dump = try KdumpCompressedDump(source: MemoryByteSource(name: "\(codec)", bytes: output.bytes))
      XCTAssertFalse(dump.header.isIncomplete)
      XCTAssertEqual(dump.header.dumpLevel, 31)
      XCTAssertEqual(dump.header.status & 0x27, codec.flag)
      XCTAssertEqual(dump.dumpedPages, dumpable.count)
      XCTAssertEqual(dump.memoryPages, memory.count)
      XCTAssertEqual(
        dump.vmcoreInfoText.map { String(decoding: $0, as: UTF8.self) },
        "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n")
      for pfn in 0..<maxMapNr {
        if dumpable.contains(pfn) {
          XCTAssertEqual(try dump.page(pfn), content(pfn), "\(codec) pfn \(pfn)")
        } else if memory.contains(pfn) {
          XCTAssertThrowsError(try dump.page(pfn)) {
            XCTAssertEqual($0 as? DumpError, .pageExcluded(address: pfn * 4096))
          }
        } else {
          XCTAssertThrowsError(try dump.page(pfn)) {
            XCTAssertEqual($0 as? DumpError, .physicalNotInDump(address: pfn * 4096))
          }
        }
      }
    }
  }

  func testZeroPagesShareOneBlockAndIncompressiblePagesAreRaw() throws {
    var state: UInt64 = 0x1234_5678
    func noise(_ pfn: UInt64) -> [UInt8] {
      if pfn % 2 == 0 { return [UInt8](repeating: 0, count: 4096) }
      return (0..<4096).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
      }
    }
    let pages = (0..<8).map(noise)
    let file = SyntheticElf.build(ranges: [0..<8], content: { pages[Int($0)] })
    let elf = try ElfVmcore(source: MemoryByteSource(name: "noise.elf", bytes: file))
    var memory = PageBitmap(pageCount: 8)
    memory.insert(0..<8)
    let (notes, range) = KdumpHeaderFields.notesBlob(elf.notes)
    let fields = KdumpHeaderFields(
      utsname: [], timestamp: 0, codec: .zlib, dumpLevel: 1, physBase: 0, cpuCount: 0, notes: notes,
      vmcoreInfoRange: range)
    let layout = KdumpCompressedLayout(blockSize: 4096, maxMapNr: 8, notesSize: notes.count, dumpedPages: 8)
    let output = MemoryDumpOutput()
    _ = try KdumpCompressedWriter(layout: layout, fields: fields, threads: 1).write(
      memory: memory, dumpable: memory, source: elf, to: output)
    for pfn in 0..<8 {
      let at = Int(layout.descriptorsOffset) + 24 * pfn
      let offset = output.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) }
      let size = output.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self) }
      let flags = output.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self) }
      if pfn % 2 == 0 {
        XCTAssertEqual(offset, layout.zeroPageOffset)
      } else {
        XCTAssertEqual(size, 4096, "random data does not shrink: stored raw")
        XCTAssertEqual(flags, 0)
      }
    }
    XCTAssertEqual(output.bytes.count, Int(layout.dataOffset) + 4 * 4096)
  }

  /// A full disk: the copy stops, the header says incomplete, what was written
  /// reads back, the rest is missing, and a resumed run completes the same file.
  func testFullDiskLeavesAValidIncompleteDumpThatResumes() throws {
    let elf = try elf()
    let (memory, dumpable) = bitmaps(excluding: [])
    let writer = writer(elf, dumped: dumpable.count, codec: .zlib, level: .zero)
    let limit = writer.layout.dataOffset + 4000
    let output = MemoryDumpOutput(failAfter: limit)
    let urgent: [UInt64] = [290, 299, 5]
    let result = try writer.write(
      memory: memory, dumpable: dumpable, source: elf, to: output, first: urgent)
    XCTAssertFalse(result.complete)
    XCTAssertEqual(result.error, .write(path: "memory.kdump", offset: result.fileSize, errno: ENOSPC))
    XCTAssertGreaterThan(result.pagesWritten, 0)
    XCTAssertLessThan(result.pagesWritten, dumpable.count)
    let vmcore = try Vmcore(source: MemoryByteSource(name: "partial", bytes: output.bytes))
    XCTAssertTrue(vmcore.problems.contains { $0.contains("incomplete") }, "\(vmcore.problems)")
    var read = 0
    var missing = 0
    for pfn in 0..<maxMapNr where dumpable.contains(pfn) {
      do {
        let page = try vmcore.physical.readPhysical(pfn * 4096, count: 4096)
        XCTAssertEqual(page, content(pfn))
        read += 1
      } catch DumpError.pageMissing {
        missing += 1
      }
    }
    for pfn in urgent {
      XCTAssertEqual(
        try vmcore.physical.readPhysical(pfn * 4096, count: 4096), content(pfn), "written first: \(pfn)")
    }
    XCTAssertEqual(
      UInt64(read), result.pagesWritten + 2, "the pages written first, past where the copy stopped")
    XCTAssertEqual(UInt64(read + missing), dumpable.count)

    // Resume from the file as the disk left it, then with room.
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(getpid()).kdump").path
    defer { unlink(path) }
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(output.bytes)))
    let point = try KdumpCompressedWriter.resumePoint(
      path: path, layout: writer.layout, fields: writer.fields)
    XCTAssertEqual(point.rank, result.pagesWritten)
    output.failAfter = nil
    let resumed = try writer.write(
      memory: memory, dumpable: dumpable, source: elf, to: output, resume: point)
    XCTAssertTrue(resumed.complete)
    let dump = try KdumpCompressedDump(source: MemoryByteSource(name: "resumed", bytes: output.bytes))
    XCTAssertFalse(dump.header.isIncomplete)
    for pfn in 0..<maxMapNr where dumpable.contains(pfn) {
      XCTAssertEqual(try dump.page(pfn), content(pfn), "pfn \(pfn)")
    }
  }

  func testResumeRefusesAnotherLevel() throws {
    let elf = try elf()
    let (memory, dumpable) = bitmaps(excluding: [])
    let writer = writer(elf, dumped: dumpable.count, codec: .zlib, level: .zero)
    let output = MemoryDumpOutput(failAfter: writer.layout.dataOffset + 8000)
    _ = try writer.write(memory: memory, dumpable: dumpable, source: elf, to: output)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("refuse-\(getpid()).kdump").path
    defer { unlink(path) }
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(output.bytes)))
    let other = self.writer(elf, dumped: dumpable.count, codec: .zlib, level: .all)
    XCTAssertThrowsError(
      try KdumpCompressedWriter.resumePoint(path: path, layout: other.layout, fields: other.fields))
  }
}
