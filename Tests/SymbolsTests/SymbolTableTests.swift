import XCTest

@testable import Symbols

final class SymbolTableTests: XCTestCase {
  let map = """
    ffffffff81000000 T _text
    ffffffff81000000 T startup_64
    ffffffff81001000 t det_helper
    ffffffff81001040 T panic
    ffffffff81001100 D some_data
    ffffffffc0000000 t det_spin_fn\t[det]
    ffffffffc0000040 T det_init [det]
    ffffffffc0000080 T det_end [det]

    """

  func testLocateGivesNameOffsetAndSize() throws {
    let table = try SystemMap.parse(map)
    XCTAssertEqual(table.count, 8)
    let location = try XCTUnwrap(table.locate(0xffff_ffff_8100_105a))
    XCTAssertEqual(location.symbol.name, "panic")
    XCTAssertEqual(location.offset, 0x1a)
    XCTAssertEqual(location.size, 0xc0)
    XCTAssertEqual(location.description, "panic+0x1a/0xc0")
  }

  func testAliasesPreferTheGlobalName() throws {
    let table = try SystemMap.parse(map)
    XCTAssertEqual(table.locate(0xffff_ffff_8100_0010)?.symbol.name, "startup_64")
  }

  func testModuleColumnAndBounds() throws {
    let table = try SystemMap.parse(map)
    let location = try XCTUnwrap(table.locate(0xffff_ffff_c000_0044))
    XCTAssertEqual(location.description, "det_init+0x4/0x40 [det]")
    XCTAssertNil(table.locate(0xffff_ffff_8000_0000), "before the first symbol")
    XCTAssertNil(table.locate(0xffff_ffff_c000_0090), "after the last symbol")
  }

  func testRelocationByKASLROffset() throws {
    let table = try SystemMap.parse(map).relocated(by: 0x2c00_0000)
    XCTAssertEqual(table.address(of: "panic"), 0xffff_ffff_ad00_1040)
    XCTAssertEqual(table.locate(0xffff_ffff_ad00_1041)?.symbol.name, "panic")
  }

  func testMalformedLineNamesTheLine() {
    XCTAssertThrowsError(try SystemMap.parse("ffffffff81000000 T a\nnot-hex T b\n", path: "m")) {
      XCTAssertEqual(($0 as? SystemMap.ParseError)?.line, 2)
      XCTAssertEqual(($0 as? SystemMap.ParseError)?.description, "m:2: expected 'ADDRESS TYPE NAME'")
    }
  }

  func testDebianPlaceholderMapIsRecognised() {
    XCTAssertTrue(
      SystemMap.isPlaceholder(
        "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n"))
    XCTAssertFalse(SystemMap.isPlaceholder(map))
  }
}

final class SymbolTableLastSymbolTests: XCTestCase {
  /// The table's last symbol has no end unless the caller gives one (a module's text end).
  func testLastSymbolIsBoundedOnlyByTheGivenEnd() {
    let table = SymbolTable([
      KernelSymbol(address: 0x1000, type: "t", name: "first", module: "m"),
      KernelSymbol(address: 0x1060, type: "t", name: "last", module: "m"),
    ])
    XCTAssertNil(table.locate(0x106e))
    XCTAssertEqual(table.locate(0x106e, lastEndingAt: 0x2000)?.description, "last+0xe/0xfa0 [m]")
    XCTAssertNil(table.locate(0x2000, lastEndingAt: 0x2000))
    XCTAssertEqual(table.locate(0x1010, lastEndingAt: 0x2000)?.description, "first+0x10/0x60 [m]")
    // A code address in a module's last function: bounded by the page end.
    XCTAssertEqual(table.locateCode(0x106e)?.description, "last+0xe/0xfa0 [m]")
    XCTAssertNil(table.locateCode(0x2000))
  }
}
