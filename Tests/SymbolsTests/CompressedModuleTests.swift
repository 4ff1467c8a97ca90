import Bytes
import XCTest

@testable import Symbols

/// Modules shipped compressed read like the object they hold.
final class CompressedModuleTests: XCTestCase {
  func testXzZstdAndGzipModulesMatchTheObject() throws {
    let plain = try DebugObject(path: Fixtures.path("gcc-dwarf5.o"))
    let walk = try XCTUnwrap(plain.symbols().symbols(named: "det_walk").first)
    let expected = try (0..<walk.elfSize).map { try plain.frames(at: walk.address + $0) }
    for name in ["det_chain.ko.xz", "det_chain.ko.zst", "det_chain.ko.gz"] {
      let object = try DebugObject(path: Fixtures.path(name))
      XCTAssertEqual(object.file.type, .relocatable, name)
      let symbol = try XCTUnwrap(object.symbols().symbols(named: "det_walk").first, name)
      XCTAssertEqual(symbol.address, walk.address, name)
      XCTAssertEqual(
        try (0..<walk.elfSize).map { try object.frames(at: symbol.address + $0) }, expected, name)
    }
  }

  func testLocatorFindsCompressedModulesAndPrefersPlainOnes() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-ko-\(getpid())")
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("a/b"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.copyItem(
      atPath: Fixtures.path("det_chain.ko.xz"),
      toPath: directory.appendingPathComponent("a/det-chain.ko.xz").path)
    XCTAssertEqual(
      DebugFileLocator.findModule(named: "det_chain", under: directory.path),
      directory.appendingPathComponent("a/det-chain.ko.xz").path)
    try FileManager.default.copyItem(
      atPath: Fixtures.path("gcc-dwarf5.o"), toPath: directory.appendingPathComponent("a/b/det_chain.ko").path
    )
    XCTAssertEqual(
      DebugFileLocator.findModule(named: "det-chain", under: directory.path),
      directory.appendingPathComponent("a/b/det_chain.ko").path)
    XCTAssertNil(DebugFileLocator.findModule(named: "det_other", under: directory.path))
  }

  func testCorruptCompressedModulesThrow() throws {
    for name in ["det_chain.ko.xz", "det_chain.ko.zst", "det_chain.ko.gz"] {
      var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
      bytes.removeSubrange((bytes.count / 2)...)
      XCTAssertThrowsError(try CompressedModule.decompress(ByteView(bytes: bytes, name: name)), name)
    }
  }
}
