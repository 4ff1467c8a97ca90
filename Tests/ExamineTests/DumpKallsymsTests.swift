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
    let release = try XCTUnwrap(info.osRelease)
    guard let mapPath = Samples.systemMap(release: release) else {
      throw XCTSkip("no System.map for \(release) (scripts/fetch-debug-kernel or coroner lab setup --debug)")
    }
    let offset = try XCTUnwrap(info.kernelOffset)
    try assertKallsyms(table, equalSystemMapAt: mapPath, shiftedBy: offset)
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
}
