import Bytes
import Dump
import Foundation
import XCTest

@testable import Capture

#if canImport(Glibc)
  import Glibc
#endif

/// A capture of damaged evidence never calls its output complete, and its command line
/// refuses what would lose data or memory: pages a truncated source lacks are saved as
/// missing (empty descriptors, the dump flagged incomplete, exit 65), `--threads` is
/// bounded, and `--to` never replaces an earlier capture.
final class HostileCaptureTests: XCTestCase {
  var scratch: String!

  override func setUpWithError() throws {
    scratch = NSTemporaryDirectory() + "hostile-capture-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: scratch)
  }

  let ranges: [Range<UInt64>] = [1..<40, 64..<200]

  /// Cuts a synthetic ELF vmcore at several points inside its memory: every page the
  /// headers promise but the file lost is counted, written as missing, and read back as
  /// missing; every page still in the file reads back as it was.
  func testTruncatedSourceIsSavedIncompleteWithItsLostPagesMissing() throws {
    let whole = SyntheticElf.build(ranges: ranges) { SyntheticElf.page($0) }
    let headers = 64 + 56 * 3
    let noteEnd = whole.count - ranges.reduce(0) { $0 + $1.count } * 4096
    XCTAssertGreaterThan(noteEnd, headers)
    var cuts = [whole.count - 1, noteEnd + 10 * 4096 + 17, whole.count - 100 * 4096]
    var random = SystemRandomNumberGenerator()
    cuts.append(Int.random(in: noteEnd + 1..<whole.count, using: &random))
    for cut in cuts {
      let source = scratch + "/cut-\(cut).elf"
      try Data(whole.prefix(cut)).write(to: URL(fileURLWithPath: source))
      let folder = scratch + "/capture-\(cut)"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      let options = CaptureSession.Options(
        source: source, directory: folder, level: DumpLevel(level: 0)!, codec: .zlib)
      let report = try CaptureSession(options: options).run()
      let kept = (cut - noteEnd) / 4096
      let total = ranges.reduce(0) { $0 + $1.count }
      let lost = UInt64(total - kept)
      XCTAssertFalse(report.complete, "cut \(cut)")
      XCTAssertEqual(report.pagesUnreadable, lost, "cut \(cut)")
      XCTAssertEqual(CaptureTool.exitStatus(for: report), 65)
      XCTAssertTrue(report.problems.contains { $0.hasPrefix("\(lost) of \(total) pages could not be read") })
      let record = try String(contentsOfFile: folder + "/crash.json", encoding: .utf8)
      XCTAssertTrue(record.contains("\"pages_unreadable\": \(lost), \"complete\": false"), record)

      let dump = try KdumpCompressedDump(source: FileSource(path: folder + "/dump.kdump"))
      XCTAssertTrue(dump.header.isIncomplete)
      XCTAssertEqual(dump.missingPages().neverWritten, lost)
      let pfns = ranges.flatMap { Array($0) }
      for (index, pfn) in pfns.enumerated() {
        if index < kept {
          XCTAssertEqual(try dump.page(pfn), SyntheticElf.page(pfn), "cut \(cut) pfn \(pfn)")
        } else {
          XCTAssertThrowsError(try dump.page(pfn), "cut \(cut) pfn \(pfn)") { error in
            guard case .pageMissing = error as? DumpError else { return XCTFail("\(error)") }
          }
        }
      }
    }
  }

  func run(_ arguments: [String]) -> (status: Int32, text: String) {
    var text = ""
    let status = CaptureTool.run(
      arguments, program: "coroner", terminal: false, write: { text += $0 }, help: { _ in })
    return (status, text)
  }

  func testThreadsAreBounded() {
    for threads in ["0", "17", "100000", "-1", "many"] {
      let (status, text) = run(["--to", scratch + "/t", "--threads", threads])
      XCTAssertEqual(status, 64, threads)
      XCTAssertTrue(text.hasPrefix("coroner: error: --threads must be 1 to 16, not '\(threads)'"), text)
    }
    XCTAssertEqual(try CaptureTool.parse(["--to", "/d"], onlineCPUs: 1000)?.threads, 16)
    let layout = KdumpCompressedLayout(blockSize: 4096, maxMapNr: 8, notesSize: 0, dumpedPages: 0)
    let fields = KdumpHeaderFields(
      utsname: [], timestamp: 0, codec: .none, dumpLevel: 0, physBase: 0, cpuCount: 0, notes: [],
      vmcoreInfoRange: nil)
    XCTAssertEqual(KdumpCompressedWriter(layout: layout, fields: fields, threads: 100_000).threads, 16)
  }

  /// `--to`: a missing folder is made with its parents; one that holds an earlier
  /// capture, or a file, is refused with 73 before anything is read or written.
  func testTargetFolderSemantics() throws {
    let source = scratch + "/small.elf"
    try Data(SyntheticElf.build(ranges: [1..<4]) { SyntheticElf.page($0) })
      .write(to: URL(fileURLWithPath: source))

    let nested = scratch + "/a/b/c"
    let first = run(["--from", source, "--to", nested, "--dump-level", "0"])
    XCTAssertEqual(first.status, 0, first.text)
    XCTAssertTrue(FileManager.default.fileExists(atPath: nested + "/dump.kdump"))
    let saved = try Data(contentsOf: URL(fileURLWithPath: nested + "/dump.kdump"))

    let again = run(["--from", source, "--to", nested, "--dump-level", "0"])
    XCTAssertEqual(again.status, 73)
    XCTAssertTrue(again.text.hasPrefix("coroner: error: \(nested): holds an earlier capture"), again.text)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: nested + "/dump.kdump")), saved)

    let file = scratch + "/plain-file"
    FileManager.default.createFile(atPath: file, contents: Data([1]))
    let onFile = run(["--from", source, "--to", file])
    XCTAssertEqual(onFile.status, 73)
    XCTAssertEqual(onFile.text, "coroner: error: \(file): not a folder\n")

    let under = run(["--from", source, "--to", file + "/x"])
    XCTAssertEqual(under.status, 73)
    XCTAssertTrue(under.text.hasPrefix("coroner: error: \(file)/x: cannot create"), under.text)

    let other = scratch + "/unrelated"
    try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: other + "/notes.txt", contents: Data())
    XCTAssertEqual(run(["--from", source, "--to", other, "--dump-level", "0"]).status, 0)
  }
}
