import Dump
import Foundation
import Symbols
import XCTest

final class DumpKallsymsTests: XCTestCase {
  func testSampleVmcoreKallsymsEqualSystemMapShiftedByKaslr() throws {
    let vmcore = try Vmcore.open(path: Samples.softlockupVmcore)
    let info = try XCTUnwrap(vmcore.vmcoreInfo)
    let table = try DumpKallsyms.read(vmcore)
    XCTAssertGreaterThan(table.count, 50_000)
    // _stext from kallsyms is the one VMCOREINFO names.
    XCTAssertEqual(table.address(of: "_stext"), info.symbol("_stext"))
    XCTAssertEqual(table.address(of: "prb"), info.symbol("prb"))
    // The sample's release has its own System.map lines beside it (Samples/README.md):
    // the archive moves on, the sample does not.
    let release = try XCTUnwrap(info.osRelease)
    let mapPath = Samples.systemMap(release: release)
    XCTAssertTrue(
      FileManager.default.fileExists(atPath: mapPath),
      "the sample's dump is of \(release) but no \(mapPath) ships beside it: run scripts/lab-make-sample")
    let offset = try XCTUnwrap(info.kernelOffset)
    try assertSampledSystemMap(mapPath, isIn: table, shiftedBy: offset)
  }
}

extension XCTestCase {
  /// Every symbol kallsyms holds is in System.map at the same address once moved by
  /// the KASLR slide (System.map also lists symbols kallsyms leaves out).
  func assertKallsyms(
    _ table: SymbolTable, equalSystemMapAt path: String, shiftedBy offset: UInt64,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let map = try SystemMap.parse(String(contentsOfFile: path, encoding: .utf8), path: path).relocated(
      by: Int64(bitPattern: offset))
    var expected: [String: Set<UInt64>] = [:]
    for symbol in map.symbols { expected[symbol.name, default: []].insert(symbol.address) }
    var mismatches: [String] = []
    var compared = 0
    for symbol in table.symbols where symbol.type != "A" && symbol.type != "a" {
      compared += 1
      if expected[symbol.name]?.contains(symbol.address) != true { mismatches.append(symbol.name) }
    }
    print(
      "kallsyms: \(table.count) symbols from the dump, \(compared) compared (absolute ones left out), "
        + "\(mismatches.count) differ from System.map (\(map.symbols.count) symbols)")
    XCTAssertGreaterThan(compared, table.count / 2, file: file, line: line)
    XCTAssertEqual(mismatches.count, 0, "first: \(mismatches.prefix(10))", file: file, line: line)
  }

  /// Every line of a sampled System.map (one kernel-mapped symbol in 64, and _stext and
  /// prb: what ships beside the sample) that kallsyms holds is at the same address once moved by
  /// the KASLR slide; and kallsyms holds nearly all of them (System.map also lists
  /// symbols kallsyms leaves out).
  func assertSampledSystemMap(
    _ path: String, isIn table: SymbolTable, shiftedBy offset: UInt64,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let map = try SystemMap.parse(String(contentsOfFile: path, encoding: .utf8), path: path).relocated(
      by: Int64(bitPattern: offset))
    var addresses: [String: Set<UInt64>] = [:]
    for symbol in table.symbols { addresses[symbol.name, default: []].insert(symbol.address) }
    var found = 0
    var mismatches: [String] = []
    for symbol in map.symbols {
      guard let known = addresses[symbol.name] else { continue }
      found += 1
      if !known.contains(symbol.address) { mismatches.append(symbol.name) }
    }
    print("sampled System.map: \(map.symbols.count) lines, \(found) in kallsyms, \(mismatches.count) differ")
    XCTAssertGreaterThan(map.symbols.count, 1000, file: file, line: line)
    XCTAssertGreaterThan(found, map.symbols.count * 9 / 10, file: file, line: line)
    XCTAssertEqual(mismatches, [], file: file, line: line)
    XCTAssertNotNil(map.symbols.first { $0.name == "_stext" }, file: file, line: line)
  }
}
