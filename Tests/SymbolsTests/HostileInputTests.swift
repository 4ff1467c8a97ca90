import Bytes
import XCTest

@testable import Symbols

/// Truncated and corrupted objects must give errors or empty answers, never a trap.
final class HostileInputTests: XCTestCase {
  private func bytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
  }

  /// Everything a symbolization reads, on an object made from `data`.
  private func exercise(_ data: [UInt8], addresses: [UInt64]) {
    guard let file = try? ElfFile(bytes: ByteView(bytes: data, name: "hostile"), path: "hostile") else {
      return
    }
    _ = try? file.buildID()
    guard let dwarf = try? DwarfContext(file) else { return }
    for address in addresses { _ = try? dwarf.frames(at: address) }
    if let symbols = try? ElfSymbolIndex(file) {
      for address in addresses { _ = symbols.symbolTableName(at: address) }
      _ = symbols.resolve(name: "det_walk", offset: 4, size: nil)
    }
  }

  /// With e_shnum 0 the count is section 0's 64-bit sh_size (gABI, "more than 0xff00
  /// sections"): a huge one is refused naming the section headers, not multiplied
  /// into an overflow (found by scripts/fuzz-capture.sh's ELF symbols target).
  func testHugeExtendedSectionCountIsRefused() throws {
    var data = try bytes("clang-dwarf4")
    let headers = Int(
      data[40..<48].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    data[60] = 0
    data[61] = 0
    for (index, count) in [UInt64(1) << 62, UInt64.max, UInt64(data.count)].enumerated() {
      for byte in 0..<8 { data[headers + 32 + byte] = UInt8(truncatingIfNeeded: count >> (8 * UInt64(byte))) }
      XCTAssertThrowsError(try ElfFile(bytes: ByteView(bytes: data, name: "wide"), path: "wide"), "\(index)")
      {
        let error = $0 as? SymbolsError
        XCTAssertEqual(error?.path, "wide")
        XCTAssertEqual(error?.offset, UInt64(headers))
      }
    }
  }

  /// sh_addralign is the file's word: in a relocatable object an alignment so large
  /// that rounding a section's place up overflows must not trap the layout (found by
  /// scripts/fuzz-all's ELF symbols target). Every allocated section still gets a place
  /// of its own, after the one before it.
  func testHugeSectionAlignmentInARelocatableObjectDoesNotTrap() throws {
    var data = try bytes("gcc-dwarf5.o")
    let original = try ElfFile(bytes: ByteView(bytes: data, name: "object"), path: "object")
    let headers = Int(
      data[40..<48].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let allocated = original.sections.filter { $0.flags & ElfSection.allocFlag != 0 && $0.size > 0 }
    XCTAssertGreaterThan(allocated.count, 1)
    for (turn, section) in allocated.enumerated() {
      // Alternately the largest alignment and the largest power of two.
      let alignment: UInt64 = turn % 2 == 0 ? .max : 1 << 63
      for byte in 0..<8 {
        data[headers + section.index * 64 + 48 + byte] = UInt8(
          truncatingIfNeeded: alignment >> (8 * UInt64(byte)))
      }
    }
    let file = try ElfFile(bytes: ByteView(bytes: data, name: "aligned"), path: "aligned")
    var end: UInt64 = 0x1000
    for section in allocated {
      let base = file.sectionBases[section.index]
      XCTAssertGreaterThanOrEqual(base, end, section.name)
      end = base &+ section.size
    }
  }

  /// A line program's extended opcode whose ULEB128 length is near 2^64 must not
  /// overflow the cursor's offset (found by scripts/fuzz-all's ELF symbols target; the
  /// fixture is its input).
  func testHugeExtendedOpcodeLengthDoesNotTrap() throws {
    exercise(try bytes("fuzz-extended-opcode.elf"), addresses: [0, 0x1000, 0xffff_ffff_8100_0000])
  }

  func testTruncatedDebugSectionsThrowOrAnswerNothing() throws {
    // Section headers stay valid; each debug section is cut short in turn.
    for name in ["gcc-dwarf5", "clang-dwarf5", "clang-dwarf4", "gcc-dwarf5-zlib", "gcc-dwarf5.o"] {
      let data = try bytes(name)
      let file = try ElfFile(bytes: ByteView(bytes: data, name: name), path: name)
      let headers = Int(
        data[40..<48].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
      let addresses = try Fixtures.addresses("gcc-dwarf5.addresses").enumerated().filter {
        $0.offset % 8 == 0
      }
      .map(\.element)
      var variants = 0
      for section in file.sections
      where section.name.hasPrefix(".debug_") || section.name.hasPrefix(".rela.debug_") {
        for fraction in [0, 1, 2, 3, 5, 7, 9] {
          var cut = data
          let size = section.size * UInt64(fraction) / 10
          for byte in 0..<8 {
            cut[headers + section.index * 64 + 32 + byte] = UInt8(
              truncatingIfNeeded: size >> (8 * UInt64(byte)))
          }
          exercise(cut, addresses: addresses)
          variants += 1
        }
      }
      XCTAssertGreaterThan(variants, 30, name)
    }
  }

  func testTruncatedFilesThrowOrAnswerNothing() throws {
    for name in ["gcc-dwarf5", "clang-dwarf5", "gcc-dwarf5-zlib", "gcc-dwarf5.o"] {
      let data = try bytes(name)
      let addresses = try Fixtures.addresses("gcc-dwarf5.addresses").enumerated().filter {
        $0.offset % 16 == 0
      }
      .map(\.element)
      for length in stride(from: 0, to: data.count, by: max(data.count / 97, 1)) {
        exercise(Array(data[..<length]), addresses: addresses)
      }
    }
  }

  func testCorruptedBytesDoNotTrap() throws {
    var random = SplitMix64(seed: 0xbad)
    for name in ["gcc-dwarf5", "clang-dwarf5", "gcc-dwarf4"] {
      let original = try bytes(name)
      let addresses = try Fixtures.addresses("\(name).addresses").enumerated().filter { $0.offset % 8 == 0 }
        .map(\.element)
      for _ in 0..<60 {
        var data = original
        // Corrupt the debug sections' region (the end of the file holds them and the
        // section headers) more often than the code.
        for _ in 0..<32 {
          let index = data.count / 3 + random.next(below: data.count - data.count / 3)
          data[index] = UInt8(truncatingIfNeeded: random.next())
        }
        exercise(data, addresses: addresses)
      }
    }
  }

  func testErrorsNameTheFileAndWhatWasExpected() {
    XCTAssertThrowsError(
      try ElfFile(bytes: ByteView(bytes: [0x7f, 0x45, 0x4c], name: "short"), path: "short")
    ) {
      let error = $0 as? SymbolsError
      XCTAssertEqual(error?.kind, .truncated)
      XCTAssertEqual(error?.path, "short")
    }
    XCTAssertThrowsError(
      try ElfFile(bytes: ByteView(bytes: Array(repeating: 0, count: 64), name: "zeros"), path: "zeros")
    ) {
      XCTAssertEqual(
        ($0 as? SymbolsError)?.description, "zeros at offset 0x0: expected the ELF magic 7f 45 4c 46")
    }
    XCTAssertThrowsError(try ElfFile(path: "/nonexistent/vmlinux")) {
      XCTAssertEqual(($0 as? SymbolsError)?.kind, .io)
    }
  }
}
