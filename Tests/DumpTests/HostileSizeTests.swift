import Foundation
import TestSupport
import XCTest

@testable import Dump

#if canImport(Glibc)
  import Glibc
#endif

/// Sizes taken on trust: every size, count and offset field of a real kdump-compressed
/// dump (also inside a flattened stream whose logical size is huge), and of a synthetic
/// ELF vmcore, set to values far beyond the file. Each copy is either read or refused
/// with an error naming the file; none traps, and together they leave the process's
/// peak memory where one honest read leaves it.
final class HostileSizeTests: XCTestCase {
  func fixture(_ name: String) throws -> [UInt8] {
    let url = try XCTUnwrap(
      Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil), "fixture \(name) is missing")
    return [UInt8](try Data(contentsOf: url))
  }

  /// Peak resident memory of this process, in bytes (getrusage(2): ru_maxrss in KiB).
  func peakResident() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
  }

  /// Opens the copy and reads what `info` and `dmesg` read: the summary (with its log)
  /// and the first pages. A refusal must be a `DumpError` naming the file.
  func exercise(_ mutant: HostileHeaders.Mutant, path: String) -> String {
    let source = MemoryByteSource(name: path, bytes: mutant.bytes)
    do {
      let dump = try Vmcore(source: source)
      _ = VmcoreSummary(dump)
      for range in dump.physical.presentRanges.prefix(4) {
        _ = try? dump.physical.readPhysical(range.lowerBound, count: 4096)
      }
      return "read"
    } catch let error as DumpError {
      XCTAssertTrue(error.description.hasPrefix(path + ": "), "\(mutant.name): \(error)")
      return "refused"
    } catch {
      XCTFail("\(mutant.name): \(error) is not a DumpError")
      return "wrong error"
    }
  }

  func testEverySizeFieldOfAKdumpDumpIsBoundedByTheFile() throws {
    var generator = HostileHeaders(original: try fixture("kdump-6.1-cut.kdump"), seed: 0x51_2E)
    let mutants = generator.mutants()
    XCTAssertGreaterThan(mutants.count, 300)
    let before = peakResident()
    var outcomes: [String: Int] = [:]
    for mutant in mutants {
      outcomes[exercise(mutant, path: "hostile.kdump"), default: 0] += 1
    }
    let grown = peakResident() - before
    XCTAssertLessThan(grown, 256 << 20, "peak memory grew \(grown >> 20) MiB over \(mutants.count) copies")
    XCTAssertGreaterThan(outcomes["refused", default: 0], 0)
    print("hostile kdump sizes: \(outcomes.sorted { $0.key < $1.key })")
  }

  func testEverySizeFieldOfAnElfDumpIsBoundedByTheFile() throws {
    var generator = HostileHeaders(original: SyntheticKernel(countBits: 5, sizeBits: 11).elf, seed: 0xE1F)
    let mutants = generator.mutants()
    XCTAssertGreaterThan(mutants.count, 50)
    let before = peakResident()
    for mutant in mutants { _ = exercise(mutant, path: "hostile.elf") }
    let grown = peakResident() - before
    XCTAssertLessThan(grown, 256 << 20, "peak memory grew \(grown >> 20) MiB over \(mutants.count) copies")
  }

  /// A flattened stream whose header claims a bitmap of gigabytes: the logical file is
  /// that large (a record far away) but the stream holds 60 KB, so the bitmap is refused
  /// by field and offset instead of being read as gigabytes of zeros.
  func testFlattenedBitmapBeyondTheBytesHeldIsRefusedByField() throws {
    var bytes = try fixture("kdump-6.1-cut.kdump")
    let block = 4096
    bytes.storeLittleEndian(UInt64(1) << 36, at: block + 96)  // max_mapnr_64
    bytes.storeLittleEndian(UInt32((1 << 33) / block * 2), at: 436)  // bitmap_blocks
    let stream = HostileHeaders.flatten(bytes, extra: (1 << 45, [1]))
    XCTAssertThrowsError(try Vmcore(source: MemoryByteSource(name: "big.flat", bytes: stream))) { error in
      guard case .badField(let path, let offset, let field, _) = error as? DumpError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual([path, field], ["big.flat", "bitmap_blocks"])
      XCTAssertEqual(offset, 436)
    }
  }

  func testFlattenedNotesBeyondTheBytesHeldAreRefused() throws {
    var bytes = try fixture("kdump-6.1-cut.kdump")
    bytes.storeLittleEndian(UInt64(1 << 26) - 1, at: 4096 + 56)  // size_note
    let stream = HostileHeaders.flatten(bytes, extra: (1 << 40, [1]))
    XCTAssertThrowsError(try Vmcore(source: MemoryByteSource(name: "notes.flat", bytes: stream))) { error in
      guard case .truncated(let path, let offset, let expected) = error as? DumpError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(path, "notes.flat")
      XCTAssertEqual(offset, 4200)
      XCTAssertTrue(expected.contains("more than the"), expected)
    }
  }

  /// An ELF segment whose end needs a page bitmap larger than the file: refused naming
  /// the program header's p_paddr field (offset of the header + 24).
  func testElfSegmentBeyondWhatTheFileDescribesIsRefused() throws {
    let page = [UInt8](repeating: 7, count: 4096)
    for (physical, memsz) in [(UInt64(0), UInt64(1) << 52), (UInt64(1) << 50, UInt64(4096))] {
      var bytes = SmallElfVmcore.make(runs: [(0, page), (0x10000, page)])
      let header = 64 + 56 * 2
      bytes.storeLittleEndian(physical, at: header + 24)
      bytes.storeLittleEndian(memsz, at: header + 40)
      XCTAssertThrowsError(try ElfVmcore(source: MemoryByteSource(name: "wide.elf", bytes: bytes))) { error in
        guard case .badField(let path, let offset, let field, _) = error as? DumpError else {
          return XCTFail("\(error)")
        }
        XCTAssertEqual(path, "wide.elf")
        XCTAssertEqual(offset, UInt64(header + 24))
        XCTAssertEqual(field, "PT_LOAD[2] p_paddr + p_memsz")
      }
    }
  }

  func testElfOfAnotherMachineIsRefusedByName() throws {
    let bytes = SmallElfVmcore.make(runs: [(0, [UInt8](repeating: 1, count: 4096))], machine: 183)
    XCTAssertThrowsError(try Vmcore(source: MemoryByteSource(name: "arm.elf", bytes: bytes))) { error in
      XCTAssertEqual(
        error as? DumpError,
        .unsupported(
          path: "arm.elf", what: "e_machine 183 (AArch64) at offset 18: only x86_64 (62) dumps are read"))
    }
  }

  /// A kdump-compressed file cut inside its page data: the descriptors are whole but
  /// point past the end. The pages are counted as missing, and the dump says so.
  func testCutInsidePageDataCountsTheLostPages() throws {
    let whole = try fixture("kdump-6.1-cut.kdump")
    let full = try KdumpCompressedDump(source: MemoryByteSource(name: "whole.kdump", bytes: whole))
    XCTAssertEqual(full.missingPages().total, 0)
    for cut in [whole.count - 1, whole.count - 20_000, 40_000] {
      let source = MemoryByteSource(name: "cut.kdump", bytes: Array(whole.prefix(cut)))
      let dump = try KdumpCompressedDump(source: source)
      let missing = dump.missingPages()
      XCTAssertGreaterThan(missing.dataPastEnd, 0, "cut at \(cut)")
      XCTAssertEqual(missing.neverWritten, 0)
      let vmcore = try Vmcore(source: source)
      XCTAssertTrue(
        vmcore.problems.contains {
          $0.hasPrefix("\(missing.total) of \(dump.dumpedPages) dumped pages are missing")
        },
        "\(vmcore.problems)")
    }
  }
}
