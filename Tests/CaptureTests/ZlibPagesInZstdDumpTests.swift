import Codecs
import Dump
import Foundation
import Lab
import TestSupport
import XCTest

@testable import Capture

/// A zstd dump holds zlib pages where zstd leaves a page mostly literals
/// (`PageEncoder.deflatesAlso`): each page descriptor names its codec, and the readers
/// decode by that flag. Checked on the whole /proc/vmcore of the lab's `panic` scene on
/// 6.1 at dump level 1, against drgn for every page and crash for the zlib ones.
final class ZlibPagesInZstdDumpTests: XCTestCase {
  /// A page zstd leaves literals but deflate shrinks further gets the zlib flag and
  /// decodes by it; a page zstd matches stays zstd.
  func testTheEncoderKeepsTheSmallerStreamAndNamesItsCodec() throws {
    try XCTSkipUnless(Zstd.isAvailable, "libzstd.so.1 is not installed")
    let encoder = try PageEncoder(codec: .zstd, pageSize: 4096)
    for (page, codec) in [(SamplePages.offsetTable, PageCodec.zlib), (SamplePages.text, .zstd)] {
      var output = [UInt8](repeating: 0, count: encoder.outputCapacity)
      let size = try XCTUnwrap(
        page.withUnsafeBytes { page in
          output.withUnsafeMutableBytes { encoder.encode(page.baseAddress!, into: $0.baseAddress!) }
        })
      XCTAssertEqual(encoder.flag, codec.flag)
      XCTAssertEqual(try codec.decode(Array(output[..<size]), pageSize: 4096), page)
    }
  }

  func testDrgnReadsEveryPageAndCrashTheZlibOnes() throws {
    let source = try LabGate.scene("panic", on: .v6_1, capture: .kdump, dump: .whole).vmcore.path
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capture-mixed-\(getpid())")
      .path
    try? FileManager.default.removeItem(atPath: folder)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let options = CaptureSession.Options(
      source: source, directory: folder, level: .zero, codec: .zstd, threads: 1)
    XCTAssertTrue(try CaptureSession(options: options).run().complete)
    let dump = folder + "/" + CaptureSession.dumpName

    // drgn (libkdumpfile) reads every page the dump holds as the vmcore holds it.
    let pages = try DrgnScript.run("drgn-pages", [dump, source])
    let flags = try XCTUnwrap(pages["flags"] as? [String: Int])
    let zlib = PageCodec.zlib.flag
    let zstd = PageCodec.zstd.flag
    XCTAssertGreaterThan(flags["\(zstd)"] ?? 0, 10_000, "\(pages)")
    XCTAssertGreaterThan(flags["\(zlib)"] ?? 0, 50, "zlib pages where zstd leaves literals: \(pages)")
    XCTAssertEqual(Set(flags.keys), ["0", "\(zlib)", "\(zstd)"], "\(pages)")
    XCTAssertEqual(pages["compared"] as? Int, pages["pages"] as? Int, "\(pages)")
    XCTAssertEqual(pages["differing"] as? Int, 0, "\(pages)")

    // Our own reader decodes the zlib pages as the vmcore holds them.
    let samples = try XCTUnwrap((pages["samples"] as? [String: [Int]])?["\(zlib)"])
    XCTAssertEqual(samples.count, 4)
    let ours = try Vmcore.open(path: dump)
    let original = try Vmcore.open(path: source)
    for address in samples {
      XCTAssertEqual(
        try ours.physical.readPhysical(UInt64(address), count: 4096),
        try original.physical.readPhysical(UInt64(address), count: 4096), "page at \(address)")
    }

    // crash reads the same zlib pages from the dump as from the vmcore.
    let vmlinux = try XCTUnwrap(LabGate.debugPackage(.v6_1, parts: [.systemMap, .vmlinux]).file(.vmlinux))
    let commands = (samples.map { "rd -p -64 0x\(String($0, radix: 16)) 512" } + ["quit"]).joined(
      separator: "\n")
    func crash(_ memory: String) throws -> [Substring] {
      let text = String(
        decoding: try ToolRun.output(
          "crash", ["-s", vmlinux.path, memory], input: Data((commands + "\n").utf8)),
        as: UTF8.self)
      return text.split(separator: "\n").filter { !$0.hasPrefix("WARNING") }
    }
    let fromDump = try crash(dump)
    XCTAssertEqual(fromDump.count, samples.count * 256, fromDump.prefix(5).joined(separator: "\n"))
    XCTAssertEqual(fromDump, try crash(source))
  }
}
