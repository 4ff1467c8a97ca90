import Bytes
import Codecs
import Foundation
import TestSupport
import XCTest

@testable import Symbols

/// Every byte of every function of small programs built with gcc (DWARF 5 and 4) and
/// clang (DWARF 4 and 5), compressed and not, against llvm-symbolizer's answers.
final class DwarfFixtureTests: XCTestCase {
  static let binaries = ["gcc-dwarf5", "gcc-dwarf5-zlib", "gcc-dwarf4", "clang-dwarf4", "clang-dwarf5"]

  private func answers(_ binary: String, addresses: [UInt64]) throws -> [SymbolizerAnswer] {
    let object = try DebugObject(path: Fixtures.path(binary))
    return try addresses.map { SymbolizerAnswer(frames: try object.frames(at: $0)) }
  }

  private func assertSame(
    _ ours: [SymbolizerAnswer], _ reference: [SymbolizerAnswer], addresses: [UInt64], _ what: String
  ) {
    XCTAssertEqual(ours.count, reference.count, what)
    var differences: [String] = []
    for (index, (mine, theirs)) in zip(ours, reference).enumerated() where mine != theirs {
      differences.append("0x\(String(addresses[index], radix: 16)): ours \(mine) / llvm \(theirs)")
    }
    XCTAssertTrue(
      differences.isEmpty,
      "\(what): \(differences.count) differ:\n" + differences.prefix(20).joined(separator: "\n"))
  }

  func testEveryByteMatchesRecordedLlvmSymbolizer() throws {
    for binary in DwarfFixtureTests.binaries {
      let addresses = try Fixtures.addresses(binary + ".addresses")
      XCTAssertGreaterThan(addresses.count, 300, binary)
      let reference = SymbolizerAnswer.parse(try Fixtures.text(binary + ".expected"))
      assertSame(try answers(binary, addresses: addresses), reference, addresses: addresses, binary)
    }
  }

  func testEveryByteMatchesLiveLlvmSymbolizer() throws {
    guard FileManager.default.isExecutableFile(atPath: Fixtures.llvmSymbolizer) else {
      throw TestInput.missing(
        Fixtures.llvmSymbolizer, makeWith: "the Swift toolchain (it ships llvm-symbolizer)")
    }
    for binary in DwarfFixtureTests.binaries {
      let addresses = try Fixtures.addresses(binary + ".addresses")
      let input = addresses.map { "0x" + String($0, radix: 16) }.joined(separator: "\n") + "\n"
      let output = try runTool(
        Fixtures.llvmSymbolizer, ["--inlining", "--obj=" + Fixtures.path(binary)], input: input)
      assertSame(
        try answers(binary, addresses: addresses), SymbolizerAnswer.parse(output), addresses: addresses,
        binary)
    }
  }

  func testInlineChainsAndColdPartsArePresent() throws {
    // The fixtures must exercise what they claim: inline chains three deep across a
    // header, and a function split into a .cold part.
    let object = try DebugObject(path: Fixtures.path("gcc-dwarf5"))
    let addresses = try Fixtures.addresses("gcc-dwarf5.addresses")
    let chains = try addresses.map { try object.frames(at: $0) }
    XCTAssertTrue(
      chains.contains {
        $0.count >= 3 && $0[0].function == "det_clamp" && $0[0].file?.hasSuffix("det_chain.h") == true
      })
    XCTAssertTrue(chains.contains { $0.last?.function == "det_walk.cold" })
    XCTAssertTrue(chains.allSatisfy { $0.dropLast().allSatisfy(\.inlined) && $0.last?.inlined == false })
  }

  func testZstdSectionsReadLikeUncompressedOnes() throws {
    guard Zstd.isAvailable else {
      throw TestInput.missing("libzstd.so.1", makeWith: "scripts/install-prerequisites")
    }
    let file = try ElfFile(path: Fixtures.path("gcc-dwarf5-zstd"))
    let info = try XCTUnwrap(file.section(named: ".debug_info"))
    XCTAssertNotEqual(info.flags & ElfSection.compressedFlag, 0, "the fixture's sections are compressed")
    let addresses = try Fixtures.addresses("gcc-dwarf5.addresses")
    let reference = SymbolizerAnswer.parse(try Fixtures.text("gcc-dwarf5.expected"))
    assertSame(try answers("gcc-dwarf5-zstd", addresses: addresses), reference, addresses: addresses, "zstd")
  }

  func testZlibFixtureIsCompressed() throws {
    let file = try ElfFile(path: Fixtures.path("gcc-dwarf5-zlib"))
    let info = try XCTUnwrap(file.section(named: ".debug_info"))
    XCTAssertNotEqual(info.flags & ElfSection.compressedFlag, 0)
  }

  func testRelocatableObjectAgreesWithLinkedProgram() throws {
    // In an ET_REL object (a .ko) DWARF points at code through relocations: applied,
    // each function+offset must read as in the linked program.
    let object = try DebugObject(path: Fixtures.path("gcc-dwarf5.o"))
    let linked = try DebugObject(path: Fixtures.path("gcc-dwarf5"))
    var compared = 0
    for name in ["det_walk", "det_panic", "det_step", "det_walk.cold", "det_complain"] {
      let inObject = try XCTUnwrap(object.symbols().symbols(named: name).first, name)
      let inProgram = try XCTUnwrap(linked.symbols().symbols(named: name).first, name)
      XCTAssertEqual(inObject.elfSize, inProgram.elfSize, name)
      for offset in 0..<inObject.elfSize {
        let mine = try object.frames(at: inObject.address + offset)
        let theirs = try linked.frames(at: inProgram.address + offset)
        XCTAssertEqual(SymbolizerAnswer(frames: mine), SymbolizerAnswer(frames: theirs), "\(name)+\(offset)")
        compared += 1
      }
    }
    XCTAssertGreaterThan(compared, 100)
  }

  func testResolvesFrameAsPrintedWithCallerAddressRule() throws {
    let object = try DebugObject(path: Fixtures.path("gcc-dwarf5"))
    let walk = try XCTUnwrap(object.symbols().symbols(named: "det_walk").first)
    // The first call in det_walk: its return address, looked up one byte back, lies
    // in the call instruction, whose line is the call's.
    let size = walk.kallsymsSize
    for offset in 1..<walk.elfSize {
      let frame = try XCTUnwrap(
        object.resolve(name: "det_walk", offset: offset, size: size, isReturnAddress: true))
      XCTAssertEqual(frame.lookupAddress, walk.address + offset - 1)
      XCTAssertEqual(frame.source, try object.frames(at: walk.address + offset - 1))
    }
    let exact = try XCTUnwrap(object.resolve(name: "det_walk", offset: 4, size: nil, isReturnAddress: false))
    XCTAssertEqual(exact.lookupAddress, walk.address + 4)
  }

  func testDuplicateStaticNamesPickedByKallsymsSize() throws {
    let object = try DebugObject(path: Fixtures.path("gcc-dwarf5"))
    let steps = try object.symbols().symbols(named: "det_step")
    XCTAssertEqual(steps.count, 2)
    for step in steps {
      let frame = try XCTUnwrap(
        object.resolve(name: "det_step", offset: 1, size: step.kallsymsSize, isReturnAddress: false))
      if steps[0].kallsymsSize != steps[1].kallsymsSize {
        XCTAssertEqual(frame.symbol.address, step.address)
      }
    }
    let files = Set(try steps.map { try object.frames(at: $0.address).last?.file ?? "" })
    XCTAssertEqual(files.count, 2, "the two det_step come from two files")
  }

  func testBuildIDMatchesReadelf() throws {
    let file = try ElfFile(path: Fixtures.path("gcc-dwarf5"))
    let id = try XCTUnwrap(file.buildID())
    XCTAssertEqual(id.count, 40)
    let readelf = try runTool("/usr/bin/readelf", ["-n", Fixtures.path("gcc-dwarf5")], input: "")
    XCTAssertTrue(readelf.contains("Build ID: \(id)"), readelf)
  }
}

final class SymbolNameTests: XCTestCase {
  func testClangLTOSuffixIsMatchedAsAPrefix() throws {
    // Newer kernels print `foo` for a promoted `foo.llvm.123`; the fixture has no such
    // symbol, so the fallback must find nothing rather than something else.
    let object = try DebugObject(path: Fixtures.path("gcc-dwarf5"))
    XCTAssertNil(try object.symbols().resolve(name: "det", offset: 0, size: nil))
    XCTAssertEqual(try object.symbols().resolve(name: "det_walk", offset: 0, size: nil)?.name, "det_walk")
    let view = ByteView(bytes: Array("det_walk.llvm.4242\0".utf8), name: "strings")
    XCTAssertTrue(view.cStringHasPrefix(at: 0, Array("det_walk.llvm.".utf8)))
    XCTAssertFalse(view.cStringHasPrefix(at: 0, Array("det_walk.cold".utf8)))
    XCTAssertFalse(view.cStringHasPrefix(at: 10, Array("a longer prefix than the rest".utf8)))
  }
}
