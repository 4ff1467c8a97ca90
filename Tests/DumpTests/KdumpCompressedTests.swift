import Foundation
import TestSupport
import XCTest

@testable import Dump

final class KdumpCompressedTests: XCTestCase {
  static let texts = (0..<40).map { "line \($0): " + String(repeating: "kdump ", count: $0 % 7) }

  func kernel() -> SyntheticKernel {
    var kernel = SyntheticKernel(countBits: 5, sizeBits: 11)
    kernel.writeRing(Self.texts.enumerated().map { SyntheticKernel.Message($1, at: UInt64($0) * 10_000) })
    // A zero page, to exercise the shared zero page.
    kernel.memory.pages[0x700] = [UInt8](repeating: 0, count: 4096)
    return kernel
  }

  func file(_ codec: PageCodec, status: UInt32 = 0) throws -> [UInt8] {
    let kernel = kernel()
    return try KdumpWriter.write(
      memory: kernel.memory, maxPfn: 0x2000, notes: kernel.notes, vmcoreInfo: Array(kernel.vmcoreInfo.utf8),
      codec: codec, status: status)
  }

  func texts(_ bytes: [UInt8], name: String = "test.kdump") throws -> [String] {
    let dump = try Vmcore(source: MemoryByteSource(name: name, bytes: bytes))
    return try dump.kernelLog().records.map { String(decoding: $0.text, as: UTF8.self) }
  }

  func testEveryCodecReadsBack() throws {
    let expected = try texts(kernel().elf, name: "reference.elf")
    XCTAssertFalse(expected.isEmpty)
    for codec in PageCodec.allCases {
      let bytes: [UInt8]
      do {
        bytes = try file(codec)
      } catch let missing as KdumpWriter.MissingLibrary {
        if TestInput.underCI {
          throw TestInput.missing("the library \(missing.name)", makeWith: "scripts/install-prerequisites")
        }
        print("skipping \(codec): \(missing.name) is not installed on this machine")
        continue
      }
      XCTAssertEqual(try texts(bytes), expected, "\(codec)")
      let dump = try Vmcore(source: MemoryByteSource(name: "x", bytes: bytes))
      XCTAssertEqual(dump.format, .kdumpCompressed(flattened: false))
      XCTAssertEqual(dump.vmcoreInfo?.osRelease, "6.1.0-synthetic")
      XCTAssertEqual(dump.cpus.first?["rip"], 0xFFFF_FFFF_8100_1234)
      XCTAssertEqual(
        try dump.physical.readPhysical(0x700_000, count: 4096), [UInt8](repeating: 0, count: 4096))
    }
  }

  func testHeaderVersionsOneToSix() throws {
    var kernel = kernel()
    // For versions without notes or VMCOREINFO fields, the kernel's own copy in memory.
    kernel.memory.write(
      elfNote(name: "VMCOREINFO", type: 0, descriptor: Array(kernel.vmcoreInfo.utf8)), at: 0x80_0000)
    let infoOnly = elfNote(name: "CORE", type: 1, descriptor: prstatus(pid: 1, rip: 3, rsp: 4))
    let expected = try texts(kernel.elf, name: "reference.elf")
    let sources: [Int32: Vmcore.VmcoreInfoSource] = [
      1: .memoryScan, 2: .memoryScan, 3: .subHeader, 4: .subHeader, 5: .subHeader, 6: .subHeader,
    ]
    for version in Int32(1)...6 {
      let bytes = try KdumpWriter.write(
        memory: kernel.memory, maxPfn: 0x2000, notes: infoOnly, vmcoreInfo: Array(kernel.vmcoreInfo.utf8),
        version: version)
      let dump = try Vmcore(source: MemoryByteSource(name: "v\(version)", bytes: bytes))
      XCTAssertEqual(dump.kdumpHeader?.version, version)
      XCTAssertEqual(dump.vmcoreInfoSource, sources[version], "version \(version)")
      XCTAssertEqual(dump.cpus.count, version >= 4 ? 1 : 0, "version \(version)")
      XCTAssertEqual(try dump.kernelLog().records.map { String(decoding: $0.text, as: UTF8.self) }, expected)
    }
  }

  func testSplitDumpPartsReadTogether() throws {
    let kernel = kernel()
    let expected = try texts(kernel.elf, name: "reference.elf")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-split-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    // Three parts: the boundaries cut through the kernel image and the ring arrays.
    var paths: [String] = []
    for (index, range) in [0..<0x420, 0x420..<0x1203, 0x1203..<0x2000].enumerated() {
      let bytes = try KdumpWriter.write(
        memory: kernel.memory, maxPfn: 0x2000, notes: kernel.notes, vmcoreInfo: Array(kernel.vmcoreInfo.utf8),
        split: UInt64(range.lowerBound)..<UInt64(range.upperBound))
      let path = folder.appendingPathComponent("part\(index)").path
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      paths.append(path)
    }
    let dump = try Vmcore.open(paths: paths.reversed())
    XCTAssertEqual(dump.format, .split(parts: 3))
    XCTAssertEqual(try dump.kernelLog().records.map { String(decoding: $0.text, as: UTF8.self) }, expected)
    let one = try Vmcore.open(paths: [paths[1]])
    XCTAssertTrue(one.problems.contains { $0.contains("one part of a split dump") })
    XCTAssertThrowsError(try Vmcore.open(paths: [paths[0], paths[0]]))
  }

  func testFlattenedStreamIsReadInPlace() throws {
    let plain = try file(.zlib)
    let stream = KdumpWriter.flatten(plain)
    let flat = try FlattenedSource(stream: MemoryByteSource(name: "flat", bytes: stream))
    XCTAssertTrue(flat.isComplete)
    XCTAssertEqual(flat.size, UInt64(plain.count))
    XCTAssertEqual(try flat.read(at: 0, count: plain.count), plain, "later records win over the placeholder")
    XCTAssertEqual(try texts(stream), try texts(plain))
    let dump = try Vmcore(source: MemoryByteSource(name: "flat", bytes: stream))
    XCTAssertEqual(dump.format, .kdumpCompressed(flattened: true))
    XCTAssertTrue(dump.problems.isEmpty, "\(dump.problems)")
  }

  func testFlattenedRecordsOutOfOrderAndOverlappingKeepTheLastWrite() throws {
    let plain = try file(.zlib)
    for chunk in [4096, 777, 100_000] {
      let stream = KdumpWriter.flatten(plain, chunk: chunk, reversed: true)
      let flat = try FlattenedSource(stream: MemoryByteSource(name: "flat", bytes: stream))
      XCTAssertEqual(try flat.read(at: 0, count: plain.count), plain, "chunk \(chunk)")
    }
  }

  func testFlattenedFileLargerThanTheHeaderWindowThroughFileSource() throws {
    // Random (incompressible) pages make a stream of several MiB: the header
    // window slides, large reads go through pread, small ones through the mapping.
    var kernel = kernel()
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for pfn in UInt64(0x800)..<0xC00 {
      var page = [UInt8](repeating: 0, count: 4096)
      page.withUnsafeMutableBytes { raw in
        for word in 0..<512 {
          state ^= state << 13
          state ^= state >> 7
          state ^= state << 17
          raw.storeBytes(of: state, toByteOffset: word * 8, as: UInt64.self)
        }
      }
      kernel.memory.pages[pfn] = page
    }
    let plain = try KdumpWriter.write(
      memory: kernel.memory, maxPfn: 0x2000, notes: kernel.notes, vmcoreInfo: Array(kernel.vmcoreInfo.utf8))
    let stream = KdumpWriter.flatten(plain, chunk: 4096)
    XCTAssertGreaterThan(stream.count, 4 << 20)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-flat-\(getpid())")
    try Data(stream).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let file = try FileSource(path: url.path)
    let flat = try FlattenedSource(stream: file)
    XCTAssertTrue(flat.isComplete)
    XCTAssertEqual(try flat.read(at: 0, count: plain.count), plain)
    let dump = try Vmcore.open(path: url.path)
    XCTAssertEqual(try dump.physical.readPhysical(0x900_000, count: 4096), kernel.memory.pages[0x900])
    XCTAssertEqual(try dump.kernelLog().records.count, try texts(plain).count)
  }

  func testTruncatedFlattenedStreamSaysItIsIncomplete() throws {
    let plain = try file(.zlib)
    let stream = KdumpWriter.flatten(plain, terminate: false)
    // Cut away the final header record and part of the page data: the
    // placeholder header stays, and the reader must say the data is bad, not trap.
    for cut in stride(from: 4096, to: stream.count, by: 997) {
      let prefix = Array(stream[0..<cut])
      do {
        let dump = try Vmcore(source: MemoryByteSource(name: "cut", bytes: prefix))
        XCTAssertTrue(dump.problems.contains { $0.contains("end marker") })
        _ = try? dump.kernelLog()
      } catch is DumpError {
      }
    }
  }

  func testIncompleteDumpReportsMissingPages() throws {
    var bytes = try file(.zlib, status: KdumpHeader.incompleteFlag)
    let dump = try KdumpCompressedDump(source: MemoryByteSource(name: "inc", bytes: bytes))
    // Blank the descriptor of the page holding the text ring (PA 0x400000).
    let rank = dump.dumpedBitmap.rank(0x400)
    let at = Int(dump.header.descriptorsOffset + rank * 24)
    bytes.replaceSubrange(at..<at + 24, with: [UInt8](repeating: 0, count: 24))
    let broken = try Vmcore(source: MemoryByteSource(name: "inc", bytes: bytes))
    XCTAssertTrue(broken.problems.contains { $0.contains("incomplete") })
    // The text ring's page is missing: every record keeps its fields, loses its text,
    // and the log says why.
    let log = try broken.kernelLog()
    XCTAssertEqual(log.records.count, 32)
    XCTAssertTrue(log.records.allSatisfy(\.isTextLost))
    XCTAssertTrue(
      log.problems.contains { $0.contains("0x400000: page missing (the dump is flagged incomplete)") },
      "\(log.problems)")
  }

  func testDamagedPagesAndLyingDescriptorsAreErrors() throws {
    let bytes = try file(.zlib)
    let dump = try KdumpCompressedDump(source: MemoryByteSource(name: "d", bytes: bytes))
    let rank = dump.dumpedBitmap.rank(0x400)
    let at = Int(dump.header.descriptorsOffset + rank * 24)
    let dataOffset = Int(bytes.u64(at)!)
    var cases: [(String, [UInt8])] = []
    var damaged = bytes
    for index in dataOffset + 2..<dataOffset + 12 { damaged[index] ^= 0x5A }
    cases.append(("damaged stream", damaged))
    var offsetPast = bytes
    offsetPast.put(Int64(bytes.count + 100), at: at)
    cases.append(("offset past the end", offsetPast))
    var negative = bytes
    negative.put(Int64(-4096), at: at)
    cases.append(("negative offset", negative))
    var huge = bytes
    huge.put(UInt32(1 << 20), at: at + 8)
    cases.append(("size above the page", huge))
    var flags = bytes
    flags.put(UInt32(0x40), at: at + 12)
    cases.append(("unknown flags", flags))
    var raw = bytes
    raw.put(UInt32(0), at: at + 12)
    cases.append(("raw but short", raw))
    for (name, bytes) in cases {
      let broken = try KdumpCompressedDump(source: MemoryByteSource(name: name, bytes: bytes))
      XCTAssertThrowsError(try broken.readPhysical(0x40_0000, count: 16), name) { error in
        switch error as? DumpError {
        case .badPage(let address, _, _), .pageMissing(let address, _):
          XCTAssertEqual(address, 0x40_0000, name)
        default: XCTFail("\(name): \(error)")
        }
      }
    }
  }

  func testLyingHeadersAndBitmapsAreErrorsNotTraps() throws {
    let bytes = try file(.zlib)
    let fields: [(Int, [UInt8])] = [
      (428, [0, 0, 0, 0]), (428, [0xFF, 0xFF, 0xFF, 0x7F]), (428, [0, 0x30, 0, 0]),
      (432, [0xFF, 0xFF, 0xFF, 0xFF]),
      (436, [0xFF, 0xFF, 0xFF, 0xFF]), (436, [0, 0, 0, 0]),
      (4096 + 96, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
      (4096 + 96, [0, 0, 0, 0, 0, 0, 0, 0]), (4096 + 48, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]),
      (4096 + 56, [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0]), (4096 + 40, [0xFF, 0xFF, 0, 0, 0, 0, 0, 0]),
      (8, [0, 0, 0, 0]), (12, [0xFF]),
    ]
    for (offset, value) in fields {
      var broken = bytes
      broken.replaceSubrange(offset..<offset + value.count, with: value)
      if let dump = try? Vmcore(source: MemoryByteSource(name: "h\(offset)", bytes: broken)) {
        _ = try? dump.kernelLog()
      }
    }
    // A 2nd bitmap with every bit set: ranks point past the descriptor table.
    var lying = bytes
    let header = try KdumpHeader(source: MemoryByteSource(name: "b", bytes: bytes))
    let second = Int(header.bitmapOffset + header.bitmapBlocks / 2 * 4096)
    for index in second..<second + 0x100 { lying[index] = 0xFF }
    let dump = try KdumpCompressedDump(source: MemoryByteSource(name: "lying", bytes: lying))
    XCTAssertThrowsError(try dump.readPhysical(0x7F_F000, count: 8))
    // Cut before the descriptor table: no dump. Cut after: a dump that says what
    // is missing.
    let tableStart = Int(header.descriptorsOffset)
    let bitmapsEnd = second + Int(header.maxMapNr + 7) / 8
    for cut in stride(from: 0, to: bitmapsEnd, by: 61) {
      XCTAssertThrowsError(
        try KdumpCompressedDump(source: MemoryByteSource(name: "t", bytes: Array(bytes[0..<cut]))))
    }
    for cut in stride(from: tableStart, to: bytes.count, by: 509) {
      let dump = try Vmcore(source: MemoryByteSource(name: "t", bytes: Array(bytes[0..<cut])))
      if cut < tableStart + 24 * Int(header.maxMapNr / 4) {
        _ = try? dump.kernelLog()
      }
    }
    let short = try Vmcore(source: MemoryByteSource(name: "t", bytes: Array(bytes[0..<tableStart + 24])))
    XCTAssertTrue(short.problems.contains { $0.contains("past the end of the file") }, "\(short.problems)")
  }
}
