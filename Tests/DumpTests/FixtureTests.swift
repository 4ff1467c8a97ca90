import Foundation
import XCTest

@testable import Dump

/// The committed fixture: the pages a log reader needs, cut from an in-guest kdump
/// vmcore of Debian's 6.1 kernel, and vmcore-dmesg's output on the whole dump.
final class FixtureTests: XCTestCase {
  func fixture(_ name: String) throws -> String {
    // Committed with the tests: a missing one is a broken checkout, never a skip.
    let url = try XCTUnwrap(
      Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil), "fixture \(name) is missing")
    return url.path
  }

  func testCutDumpGivesVmcoreDmesgOutputByteForByte() throws {
    let dump = try Vmcore.open(path: try fixture("kdump-6.1-cut.kdump"))
    let expected = try Data(contentsOf: URL(fileURLWithPath: try fixture("kdump-6.1-cut.vmcore-dmesg.txt")))
    let log = try dump.kernelLog()
    var output: [UInt8] = []
    for record in log.records { DmesgFormatter.vmcoreDmesg(record, into: &output) }
    XCTAssertEqual(output, [UInt8](expected))
    // The release is the one the expected text's banner names (the fixture is cut again
    // from whatever release the lab runs by CutFixtureWriterTests).
    let release = try XCTUnwrap(dump.vmcoreInfo?.osRelease)
    XCTAssertTrue(String(decoding: expected, as: UTF8.self).contains("Linux version \(release) "), release)
    XCTAssertEqual(dump.cpus.count, 2)
    // With kdump armed the kernel jumps to the capture kernel before panic() prints
    // its banner: the log ends with the crash report itself.
    XCTAssertTrue(
      log.records.suffix(60).contains {
        String(decoding: $0.text, as: UTF8.self).contains("sysrq_handle_crash")
      })
  }

  func testEveryKernelsCutDumpGivesVmcoreDmesgOutput() throws {
    // Debian's 5.10, 6.1 (5-level paging) and 6.12 kernels, from QEMU dumps.
    var checked = 0
    for name in ["qemu-5.10-cut", "qemu-6.12-cut", "qemu-6.1-la57-cut"] {
      guard let url = Bundle.module.url(forResource: "Fixtures/" + name + ".kdump", withExtension: nil) else {
        continue
      }
      let dump = try Vmcore.open(path: url.path)
      let expected = try Data(contentsOf: URL(fileURLWithPath: try fixture(name + ".vmcore-dmesg.txt")))
      var output: [UInt8] = []
      for record in try dump.kernelLog().records { DmesgFormatter.vmcoreDmesg(record, into: &output) }
      XCTAssertEqual(output, [UInt8](expected), name)
      checked += 1
    }
    XCTAssertEqual(checked, 3)
  }

  func testCutDumpSaysWhatIsExcluded() throws {
    let dump = try Vmcore.open(path: try fixture("kdump-6.1-cut.kdump"))
    // Page 0x100 (1 MiB) was not needed by the log reader, so it is not in the cut.
    XCTAssertThrowsError(try dump.physical.readPhysical(0x10_0000, count: 8)) { error in
      XCTAssertEqual(error as? DumpError, .physicalNotInDump(address: 0x10_0000))
    }
  }
}

/// Inputs the fuzzers found that once trapped: each must now give an error or a
/// partial result.
final class FuzzRegressionTests: XCTestCase {
  func testEveryFoundInputIsHandled() throws {
    let folder = try XCTUnwrap(
      Bundle.module.url(forResource: "Fixtures/fuzz", withExtension: nil), "Fixtures/fuzz is missing")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    XCTAssertFalse(files.isEmpty)
    for file in files {
      let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
      if let dump = try? Vmcore(source: MemoryByteSource(name: file, bytes: bytes)) {
        _ = try? dump.kernelLog()
        _ = VmcoreSummary(dump)
      }
    }
  }
}
