import Dump
import XCTest

@testable import Capture

/// Pages equal to an earlier one are stored once (`DuplicatePages`): their descriptors
/// point at the first one's stream, every page reads back, the dump is the same whatever
/// the threads, and a hash that matches is never taken for equal bytes.
final class DuplicatePagesTests: XCTestCase {
  /// Frames 1..<200: every seventh zero, frames 50 and up repeat frames 1-20 (compressible
  /// ones and, for frames that are 3 mod 4, pseudo-random ones stored raw), the rest
  /// distinct.
  static func content(_ pfn: UInt64) -> [UInt8] {
    if pfn % 7 == 0 { return [UInt8](repeating: 0, count: 4096) }
    let original = pfn >= 50 ? 1 + pfn % 20 : pfn
    guard original % 4 == 3 else { return SyntheticElf.page(original) }
    var state = original &* 0x9E37_79B9_7F4A_7C15
    return (0..<4096).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 33)
    }
  }

  func dump(
    threads: Int, copiesOnce: Bool? = true, level: Int32 = 1
  ) throws -> (MemoryDumpOutput, KdumpCompressedWriter.Result, KdumpCompressedLayout) {
    let elf = try ElfVmcore(
      source: MemoryByteSource(
        name: "copies.elf", bytes: SyntheticElf.build(ranges: [1..<200], content: Self.content)))
    var memory = PageBitmap(pageCount: 200)
    memory.insert(1..<200)
    let (notes, range) = KdumpHeaderFields.notesBlob(elf.notes)
    let fields = KdumpHeaderFields(
      utsname: [], timestamp: 0, codec: .zlib, dumpLevel: level, physBase: 0, cpuCount: 0, notes: notes,
      vmcoreInfoRange: range)
    let layout = KdumpCompressedLayout(
      blockSize: 4096, maxMapNr: 200, notesSize: notes.count, dumpedPages: memory.count)
    var writer = KdumpCompressedWriter(layout: layout, fields: fields, threads: threads)
    writer.chunkPages = 16
    if let copiesOnce { writer.storesCopiesOnce = copiesOnce }
    let output = MemoryDumpOutput()
    let result = try writer.write(memory: memory, dumpable: memory, source: elf, to: output)
    return (output, result, layout)
  }

  /// The descriptor of the page of rank `rank`: offset, size, flags.
  func descriptor(_ output: MemoryDumpOutput, _ layout: KdumpCompressedLayout, rank: Int) -> [UInt64] {
    output.bytes.withUnsafeBytes {
      let at = Int(layout.descriptorsOffset) + 24 * rank
      return [
        $0.loadUnaligned(fromByteOffset: at, as: UInt64.self),
        UInt64($0.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self)),
        UInt64($0.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self)),
      ]
    }
  }

  func testCopiesPointAtTheFirstStreamAndEveryPageReadsBack() throws {
    let (output, result, layout) = try dump(threads: 1)
    XCTAssertTrue(result.complete)
    // The first frame of each content that is not zero; the later ones are copies.
    var first: [[UInt8]: UInt64] = [:]
    var copies: [(pfn: UInt64, of: UInt64)] = []
    for pfn in UInt64(1)..<200 where Self.content(pfn).contains(where: { $0 != 0 }) {
      if let earlier = first[Self.content(pfn)] {
        copies.append((pfn, earlier))
      } else {
        first[Self.content(pfn)] = pfn
      }
    }
    XCTAssertEqual(result.duplicatePages, UInt64(copies.count))
    XCTAssertGreaterThan(copies.count, 100)
    let reader = try KdumpCompressedDump(source: MemoryByteSource(name: "copies", bytes: output.bytes))
    for pfn in UInt64(1)..<200 { XCTAssertEqual(try reader.page(pfn), Self.content(pfn), "pfn \(pfn)") }
    // Frame p has rank p - 1.
    for (pfn, earlier) in copies {
      XCTAssertEqual(
        descriptor(output, layout, rank: Int(pfn) - 1), descriptor(output, layout, rank: Int(earlier) - 1),
        "pfn \(pfn) points at frame \(earlier)'s stream")
    }
    // Frame 3 is random: stored raw once, not seven times.
    XCTAssertEqual(Array(descriptor(output, layout, rank: 2)[1...]), [4096, 0])
    let raw = copies.filter { $0.of == 3 }.count
    XCTAssertGreaterThan(raw, 5)
    let (kept, keptResult, _) = try dump(threads: 1, copiesOnce: false)
    XCTAssertEqual(keptResult.duplicatePages, 0)
    XCTAssertGreaterThan(kept.bytes.count, output.bytes.count + raw * 4096)
  }

  func testTheDumpIsTheSameWhateverTheThreads() throws {
    let (one, _, _) = try dump(threads: 1)
    for threads in [2, 3] {
      let (many, result, _) = try dump(threads: threads)
      XCTAssertEqual(many.bytes, one.bytes, "\(threads) threads")
      XCTAssertGreaterThan(result.duplicatePages, 0)
    }
  }

  /// A page whose hash matches an entry is compared with the entry's frame read again:
  /// when the bytes differ, it is no copy, and takes the slot.
  func testAMatchingHashIsComparedByteForByte() throws {
    let elf = try ElfVmcore(
      source: MemoryByteSource(
        name: "two.elf", bytes: SyntheticElf.build(ranges: [1..<3], content: SyntheticElf.page)))
    var table = DuplicatePages(pageSize: 4096)
    defer { table.deallocate() }
    let first = SyntheticElf.page(1)
    func lookup(_ bytes: [UInt8], pfn: UInt64, round: Int) -> DuplicatePages.Lookup {
      bytes.withUnsafeBytes {
        table.lookup($0.baseAddress!, pfn: pfn, source: elf, round: round, chunk: 0, index: 0)
      }
    }
    // Frame 2 is said to hold frame 1's bytes: the table believes it, the source does not.
    guard case .first(let slot) = lookup(first, pfn: 2, round: 1) else { return XCTFail("an empty table") }
    if case .copy = lookup(first, pfn: 1, round: 1) { XCTFail("frame 2 read again is not frame 1's bytes") }
    XCTAssertEqual(table.found, 0)
    // Frame 1 took the slot; written, a later round's equal page is its copy.
    guard case .first(let same) = lookup(SyntheticElf.page(2), pfn: 2, round: 1) else {
      return XCTFail("frame 2's bytes are new")
    }
    XCTAssertNotEqual(slot, same)
    let stream = DuplicatePages.Stream(offset: 8192, size: 100, flags: 1)
    table.written(slot: slot, pfn: 1, stream: stream)
    guard case .copy(let earlier) = lookup(first, pfn: 9, round: 2) else {
      return XCTFail("a copy of frame 1")
    }
    XCTAssertEqual(earlier.pfn, 1)
    XCTAssertEqual(earlier.stream, stream)
    // Frame 2's entry was never written: a later round does not take it.
    if case .copy = lookup(SyntheticElf.page(2), pfn: 9, round: 2) {
      XCTFail("an unwritten entry of round 1")
    }
    XCTAssertEqual(table.found, 1)
  }

  /// By default copies are looked for where the level keeps page cache, user or free
  /// pages, not among kernel pages alone (-d 31, -d 30).
  func testKernelPagesAloneAreNotLookedAt() throws {
    for (level, looked) in [(1, true), (15, true), (17, true), (23, true), (30, false), (31, false)] {
      let (_, result, _) = try dump(threads: 1, copiesOnce: nil, level: Int32(level))
      XCTAssertEqual(result.duplicatePages > 0, looked, "-d \(level)")
    }
  }

  func testCopiesAreStoredOnceByDefault() {
    // The test run leaves CORONER_CAPTURE_KEEP_COPIES unset.
    XCTAssertTrue(KdumpCompressedWriter.copiesOnceByDefault)
  }
}
