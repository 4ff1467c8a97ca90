import XCTest

@testable import Symbols

/// Memory made of a few placed byte arrays.
struct PlacedMemory: KernelMemorySource {
  var regions: [(address: UInt64, bytes: [UInt8])] = []

  func read(_ address: UInt64, count: Int) throws -> [UInt8] {
    for region in regions
    where address >= region.address && address - region.address <= UInt64(region.bytes.count) {
      let start = Int(address - region.address)
      // Reads may run past a table's end, as page-sized reads of a dump do.
      return Array(region.bytes[start..<min(start + count, region.bytes.count)])
        + Array(repeating: 0, count: max(0, start + count - region.bytes.count))
    }
    throw SymbolsError(.missing, path: "memory", offset: address, expected: "\(count) bytes")
  }
}

/// A small kallsyms image built the way scripts/kallsyms.c lays one out.
struct KallsymsImage {
  var memory = PlacedMemory()
  var symbols: [String: UInt64] = [:]

  init(
    _ entries: [(type: Character, name: String, address: UInt64)], encoding: Kallsyms.AddressEncoding,
    longNames: Bool
  ) {
    // Token b expands to the byte b; token 0xff expands to "_s" (a real multi-byte token).
    var tokenTable: [UInt8] = []
    var tokenIndex: [UInt8] = []
    for byte in 0..<256 {
      tokenIndex += [UInt8(tokenTable.count & 0xff), UInt8(tokenTable.count >> 8)]
      tokenTable += byte == 0xff ? Array("_s".utf8) : [UInt8(max(byte, 1))]
      tokenTable.append(0)
    }
    var names: [UInt8] = []
    for entry in entries {
      var encoded: [UInt8] = []
      var text = Array("\(entry.type)\(entry.name)".utf8)[...]
      while let first = text.first {
        if first == UInt8(ascii: "_"), text.dropFirst().first == UInt8(ascii: "s") {
          encoded.append(0xff)
          text = text.dropFirst(2)
        } else {
          encoded.append(first)
          text = text.dropFirst()
        }
      }
      if longNames && encoded.count > 0x7f {
        names += [UInt8(encoded.count & 0x7f) | 0x80, UInt8(encoded.count >> 7)]
      } else {
        names.append(UInt8(encoded.count))
      }
      names += encoded
    }
    let base: UInt64 = 0xffff_ffff_8100_0000
    var table: [UInt8] = []
    let offsetsAddress: UInt64 = 0xffff_ffff_8230_0000
    for (index, entry) in entries.enumerated() {
      switch encoding {
      case .absolute: table += (0..<8).map { UInt8(truncatingIfNeeded: entry.address >> (8 * $0)) }
      case .baseRelative: table += le(UInt32(entry.address - base))
      case .absolutePercpu: table += le(UInt32(bitPattern: Int32(-Int64(entry.address - base) - 1)))
      case .placeRelative:
        let delta = Int64(bitPattern: entry.address &- (offsetsAddress + UInt64(4 * index)))
        table += le(UInt32(bitPattern: Int32(delta)))
      }
    }
    let places: [(String, UInt64, [UInt8])] = [
      ("kallsyms_num_syms", 0xffff_ffff_8210_0000, le(UInt32(entries.count))),
      ("kallsyms_names", 0xffff_ffff_8211_0000, names),
      ("kallsyms_token_table", 0xffff_ffff_8220_0000, tokenTable),
      ("kallsyms_token_index", 0xffff_ffff_8221_0000, tokenIndex),
      (encoding == .absolute ? "kallsyms_addresses" : "kallsyms_offsets", offsetsAddress, table),
      (
        "kallsyms_relative_base", 0xffff_ffff_8240_0000,
        (0..<8).map { UInt8(truncatingIfNeeded: base >> (8 * $0)) }
      ),
    ]
    for (name, address, bytes) in places
    where !(encoding == .placeRelative && name == "kallsyms_relative_base") {
      memory.regions.append((address, bytes))
      symbols[name] = address
    }
    symbols["_stext"] = entries.first { $0.name == "_stext" }?.address
  }
}

private func le(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

final class KallsymsTests: XCTestCase {
  let entries: [(type: Character, name: String, address: UInt64)] = [
    ("T", "_stext", 0xffff_ffff_8100_0000), ("t", "det_spin_fn", 0xffff_ffff_8100_1000),
    ("T", "start_kernel", 0xffff_ffff_8100_2000),
    ("t", String(repeating: "x", count: 200), 0xffff_ffff_8100_3000),
    ("D", "init_task", 0xffff_ffff_8200_0000),
  ]

  func testEveryEncodingDecodes() throws {
    for encoding in [Kallsyms.AddressEncoding.absolute, .baseRelative, .absolutePercpu, .placeRelative] {
      let image = KallsymsImage(entries, encoding: encoding, longNames: true)
      let location = try KallsymsLocation(symbols: image.symbols, release: "6.1.0-56-amd64")
      let (table, found) = try Kallsyms.read(from: image.memory, at: location)
      XCTAssertEqual(found, encoding)
      XCTAssertEqual(table.symbols.map(\.name), entries.map(\.name), "\(encoding)")
      XCTAssertEqual(table.symbols.map(\.address), entries.map(\.address), "\(encoding)")
      XCTAssertEqual(table.symbols.map(\.type), entries.map(\.type), "\(encoding)")
      XCTAssertEqual(table.locate(0xffff_ffff_8100_1010)?.description, "det_spin_fn+0x10/0x1000")
    }
  }

  func testNameLengthRuleFollowsTheRelease() throws {
    XCTAssertTrue(KallsymsLocation.hasLongNames(release: "6.1.0-56-amd64"))
    XCTAssertTrue(KallsymsLocation.hasLongNames(release: "6.12.17"))
    XCTAssertFalse(KallsymsLocation.hasLongNames(release: "6.0.12"))
    // A 6.0 image (one-byte lengths) read with the 6.0 rule; short names only, since
    // 6.0 could not hold longer ones.
    let short = Array(entries.filter { $0.name.count < 100 })
    let image = KallsymsImage(short, encoding: .baseRelative, longNames: false)
    let table = try Kallsyms.read(
      from: image.memory, at: KallsymsLocation(symbols: image.symbols, release: "6.0.19")
    ).table
    XCTAssertEqual(table.symbols.map(\.name), short.map(\.name))
  }

  func testMissingKeysAndWrongStextAreErrors() throws {
    let image = KallsymsImage(entries, encoding: .baseRelative, longNames: true)
    var symbols = image.symbols
    symbols["kallsyms_names"] = nil
    XCTAssertThrowsError(try KallsymsLocation(symbols: symbols, release: nil)) {
      XCTAssertEqual(($0 as? SymbolsError)?.kind, .missing)
    }
    var location = try KallsymsLocation(symbols: image.symbols, release: nil)
    location.stext += 0x1000
    XCTAssertThrowsError(try Kallsyms.read(from: image.memory, at: location)) {
      XCTAssertEqual(($0 as? SymbolsError)?.kind, .malformed)
    }
  }

  /// The real tables: a vmlinux carries its kallsyms in .rodata; decoded, every symbol
  /// must be in the package's System.map at the same address with the same type.
  func testDebianVmlinuxKallsymsMatchSystemMap() throws {
    let vmlinux = try DebugKernel.vmlinux()
    let file = try ElfFile(path: vmlinux)
    let map = try SystemMap.parse(
      String(contentsOfFile: DebugKernel.systemMap(forVmlinux: vmlinux), encoding: .utf8))
    var symbols: [String: UInt64] = [:]
    for name in [
      "kallsyms_names", "kallsyms_num_syms", "kallsyms_token_table", "kallsyms_token_index",
      "kallsyms_offsets",
      "kallsyms_relative_base", "_stext",
    ] {
      symbols[name] = map.address(of: name)
    }
    let release = String(URL(fileURLWithPath: vmlinux).lastPathComponent.dropFirst("vmlinux-".count))
    let (table, encoding) = try Kallsyms.read(
      from: ElfImageMemory(file), at: KallsymsLocation(symbols: symbols, release: release))
    XCTAssertEqual(encoding, .absolutePercpu, "x86_64 SMP 6.1")
    // Per-CPU symbols are stored with type A (scripts/kallsyms.c); System.map keeps
    // their section's letter: for them only the address and name are compared.
    var inMap = Set<String>()
    for symbol in map.symbols {
      inMap.insert("\(symbol.address) \(symbol.type) \(symbol.name)")
      inMap.insert("\(symbol.address) A \(symbol.name)")
    }
    let missing = table.symbols.filter { !inMap.contains("\($0.address) \($0.type) \($0.name)") }
    print(
      "kallsyms of \(release): \(table.count) symbols decoded, \(table.count - missing.count) in System.map "
        + "with the same address and type; System.map has \(map.count)")
    for symbol in missing.prefix(20) {
      print("  not in System.map: \(symbol.type) \(symbol.name) 0x\(String(symbol.address, radix: 16))")
    }
    XCTAssertGreaterThan(table.count, 50_000)
    XCTAssertTrue(missing.isEmpty, "\(missing.count) kallsyms symbols differ from System.map")
  }
}

final class KernelOffsetTests: XCTestCase {
  func testOffsetFromLogAndVmcoreinfo() {
    let log = [
      "[    6.668255] Kernel Offset: 0x18c00000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\r"
    ]
    XCTAssertEqual(KernelOffset.parse(logLines: log), 0x18c0_0000)
    XCTAssertEqual(KernelOffset.parse(logLines: ["Kernel Offset: disabled"]), 0)
    XCTAssertNil(KernelOffset.parse(logLines: ["nothing"]))
    XCTAssertEqual(KernelOffset.parse(vmcoreinfoValue: "18c00000"), 0x18c0_0000)
    XCTAssertNil(KernelOffset.parse(vmcoreinfoValue: "zz"))
  }

  func testSymbolTableFromElfMatchesNm() throws {
    let table = try SymbolTable(elf: ElfFile(path: Fixtures.path("gcc-dwarf5")))
    let nm = try runTool("/usr/bin/nm", ["--defined-only", Fixtures.path("gcc-dwarf5")], input: "")
    var listed = 0
    for line in nm.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count == 3, let address = UInt64(fields[0], radix: 16), fields[1] != "a", fields[1] != "N"
      else { continue }
      let name = String(fields[2])
      XCTAssertTrue(
        table.symbols.contains { $0.name == name && $0.address == address && String($0.type) == fields[1] },
        "nm: \(line)")
      listed += 1
    }
    XCTAssertGreaterThan(listed, 10)
    // The lab log's slide moves a table as the running kernel saw it.
    let walk = try XCTUnwrap(table.address(of: "det_walk"))
    XCTAssertEqual(table.relocated(by: 0x18c0_0000).locate(walk + 0x18c0_0010)?.symbol.name, "det_walk")
  }
}

/// Text letters of data symbols (7.2's kallsyms) are corrected by where the symbol lies.
final class KallsymsDataTypesTests: XCTestCase {
  func testTextLettersOutsideTheKernelsCodeBecomeDataLetters() {
    let symbols = [
      KernelSymbol(address: 0x1000, type: "T", name: "_stext"),
      KernelSymbol(address: 0x1100, type: "t", name: "schedule"),
      KernelSymbol(address: 0x2000, type: "T", name: "_etext"),
      KernelSymbol(address: 0x3000, type: "T", name: "jiffies"),
      KernelSymbol(address: 0x3100, type: "d", name: "modules_op"),
      KernelSymbol(address: 0x3200, type: "W", name: "weak_data"),
      KernelSymbol(address: 0x4000, type: "T", name: "_sinittext"),
      KernelSymbol(address: 0x4100, type: "t", name: "start_kernel"),
      KernelSymbol(address: 0x5000, type: "t", name: "exit_fn"),
      KernelSymbol(address: 0x6000, type: "B", name: "__bss_start"),
      KernelSymbol(address: 0x6100, type: "t", name: "bss_thing"),
    ]
    let fixed = KallsymsDataTypes.corrected(symbols)
    XCTAssertEqual(
      fixed.map { String($0.type) }, ["T", "t", "T", "D", "d", "V", "T", "t", "t", "B", "d"])
    // Without the section bounds nothing is changed.
    XCTAssertEqual(KallsymsDataTypes.corrected(Array(symbols.prefix(4))), Array(symbols.prefix(4)))
  }
}
