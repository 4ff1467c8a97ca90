import Foundation
import XCTest

@testable import Dump

/// Lab dumps compared with the reference tools, byte for byte. Each test skips,
/// saying which file is absent, on machines without the lab's dumps.
final class RealDumpTests: XCTestCase {
  func require(_ name: String) throws -> String {
    guard let path = RealDumps.path(name) else {
      throw XCTSkip("lab dump \(RealDumps.directory)/\(name) is absent (set CORONER_DUMP_DIR)")
    }
    return path
  }

  func testKdumpVmcoreEqualsVmcoreDmesg() throws {
    let path = try require("kdump.vmcore")
    guard let expected = RealDumps.run("vmcore-dmesg", [path]) else {
      throw XCTSkip("vmcore-dmesg is not installed")
    }
    XCTAssertEqual(try dmesg(path), [UInt8](expected))
  }

  /// Every in-guest vmcore of the lab, and what makedumpfile makes of it (-c, -l,
  /// -F at dump level 31), against vmcore-dmesg and makedumpfile --dump-dmesg.
  func testEveryInGuestVmcoreAndItsConversions() throws {
    let vmcores = RealDumps.inGuestVmcores()
    if vmcores.isEmpty { throw XCTSkip("no in-guest vmcore under \(RealDumps.directory)") }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-dump-\(getpid())")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    for vmcore in vmcores {
      try checkInGuestVmcore(vmcore, scratch: scratch)
    }
  }

  func testMakedumpfileOutputsEqualVmcoreDmesgOfTheirSource() throws {
    let source = try require("kdump.vmcore")
    guard let expected = RealDumps.run("vmcore-dmesg", [source]) else {
      throw XCTSkip("vmcore-dmesg is not installed")
    }
    var checked = 0
    for name in ["kdump.c31", "kdump.l31", "kdump.F31", "kdump.Fl31", "kdump.E31", "kdump.raw31"] {
      guard let path = RealDumps.path(name) else { continue }
      XCTAssertEqual(try dmesg(path), [UInt8](expected), name)
      checked += 1
    }
    if let first = RealDumps.path("split1"), let second = RealDumps.path("split2") {
      let log = try Vmcore.open(paths: [first, second]).kernelLog()
      var output: [UInt8] = []
      for record in log.records { DmesgFormatter.vmcoreDmesg(record, into: &output) }
      XCTAssertEqual(output, [UInt8](expected), "makedumpfile --split parts")
      checked += 1
    }
    if checked == 0 { throw XCTSkip("no makedumpfile outputs of kdump.vmcore in \(RealDumps.directory)") }
  }

  func testMakedumpfileStyleEqualsMakedumpfileDumpDmesg() throws {
    let path = try require("kdump.c31")
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-md-\(getpid()).txt").path
    defer { try? FileManager.default.removeItem(atPath: out) }
    guard RealDumps.run("makedumpfile", ["--dump-dmesg", path, out]) != nil,
      let expected = FileManager.default.contents(atPath: out)
    else { throw XCTSkip("makedumpfile is not installed") }
    let log = try Vmcore.open(path: path).kernelLog()
    var output: [UInt8] = []
    for record in log.records { DmesgFormatter.makedumpfile(record, into: &output) }
    XCTAssertEqual(output, [UInt8](expected))
  }

  func testQemuDumpsMatchTheSerialConsole() throws {
    var checked = 0
    for name in ["kaslr", "k510", "k612", "la57"] {
      guard RealDumps.path(name + ".elf") != nil, RealDumps.path(name + ".serial") != nil else { continue }
      try checkAgainstConsole(name)
      checked += 1
    }
    if checked == 0 { throw XCTSkip("no QEMU dumps with a console log in \(RealDumps.directory)") }
  }

  /// `NAME.elf` (and `NAME.flatz` when present) against the console log `NAME.serial`.
  func checkAgainstConsole(_ name: String) throws {
    let elf = try require(name + ".elf")
    let serial = try require(name + ".serial")
    try checkAgainstConsole(
      dump: elf, serial: serial, panic: "Kernel panic - not syncing: sysrq triggered crash", name: name)
    if let flat = RealDumps.path(name + ".flatz") {
      XCTAssertEqual(try dmesg(flat), try dmesg(elf), "\(name): QEMU -z dump equals the ELF dump")
    }
  }

  /// QEMU dumps of 5.10, 6.1, 6.1 with 5-level paging and 6.12, rewritten to
  /// /proc/vmcore's layout so vmcore-dmesg reads them: byte for byte the same text.
  func testQemuDumpsEqualVmcoreDmesgOnAProcVmcoreLayoutCopy() throws {
    guard
      RealDumps.run("vmcore-dmesg", ["--help"]) != nil
        || FileManager.default.fileExists(atPath: "/usr/sbin/vmcore-dmesg")
    else { throw XCTSkip("vmcore-dmesg is not installed") }
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("coroner-proc-\(getpid()).elf")
      .path
    defer { try? FileManager.default.removeItem(atPath: copy) }
    var checked = 0
    for name in ["kaslr.elf", "k510.elf", "k612.elf", "la57.elf"] {
      guard let path = RealDumps.path(name) else { continue }
      try ProcVmcoreLayout.rewrite(path, to: copy)
      let expected = try XCTUnwrap(
        RealDumps.run("vmcore-dmesg", [copy]), "vmcore-dmesg fails on the copy of \(name)")
      XCTAssertEqual(try dmesg(path), [UInt8](expected), name)
      checked += 1
    }
    if checked == 0 { throw XCTSkip("no QEMU ELF dumps in \(RealDumps.directory)") }
  }

  func testFiveLevelPagingGuest() throws {
    let path = try require("la57.elf")
    let dump = try Vmcore.open(path: path)
    XCTAssertEqual(dump.vmcoreInfo?.number("pgtable_l5_enabled"), 1)
    let memory = try dump.kernelMemory()
    XCTAssertTrue(memory.addressSpace.fiveLevel)
    let base = try XCTUnwrap(memory.addressSpace.directMapBase(in: dump.physical))
    XCTAssertGreaterThanOrEqual(base, 0xFF11_0000_0000_0000)
    XCTAssertTrue(try dump.kernelLog().records.contains { $0.text.starts(with: Array("Linux version".utf8)) })
  }

  func testQemuPagingDumpEqualsThePhysicalOne() throws {
    let paging = try require("paging.pelf")
    let physical = try require("paging.elf")
    XCTAssertEqual(try dmesg(paging), try dmesg(physical))
  }

  func testQemuDumpWithoutVmcoreInfoDeviceIsReadByScanning() throws {
    let path = try require("novmci.elf")
    let dump = try Vmcore.open(path: path)
    XCTAssertEqual(dump.vmcoreInfoSource, .memoryScan)
    let log = try dump.kernelLog()
    XCTAssertTrue(
      log.records.contains { String(decoding: $0.text, as: UTF8.self).contains("sysrq triggered crash") })
  }

  /// Regenerates the committed fixtures (the few hundred pages a log reader needs,
  /// cut from lab dumps) when CORONER_WRITE_FIXTURES=1. The expected text beside
  /// each is vmcore-dmesg's output: on the in-guest vmcore itself, and for QEMU dumps
  /// (which vmcore-dmesg cannot read) on a copy whose program headers were rewritten
  /// to /proc/vmcore's layout (`NAME.vd.txt` in the dump folder).
  func testWriteCutFixtures() throws {
    guard ProcessInfo.processInfo.environment["CORONER_WRITE_FIXTURES"] == "1" else {
      throw XCTSkip("set CORONER_WRITE_FIXTURES=1 to regenerate Fixtures/*-cut.kdump")
    }
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
      "Fixtures")
    let sources = [
      ("kdump.vmcore", "kdump-6.1-cut"), ("k510.elf", "qemu-5.10-cut"), ("k612.elf", "qemu-6.12-cut"),
      ("la57.elf", "qemu-6.1-la57-cut"),
    ]
    for (source, name) in sources {
      guard let path = RealDumps.path(source) else { continue }
      let expected: Data
      if source.hasSuffix(".vmcore") {
        guard let output = RealDumps.run("vmcore-dmesg", [path]) else { continue }
        expected = output
      } else {
        let base = String(source.dropLast(4))
        guard let reference = RealDumps.path(base + ".vd.txt"),
          let text = FileManager.default.contents(atPath: reference)
        else { continue }
        expected = text
      }
      try Data(try cut(path)).write(to: fixtures.appendingPathComponent(name + ".kdump"))
      try expected.write(to: fixtures.appendingPathComponent(name + ".vmcore-dmesg.txt"))
    }
  }

  /// A kdump-compressed file holding only the pages the log reader touches.
  func cut(_ path: String) throws -> [UInt8] {
    let dump = try Vmcore.open(path: path)
    let info = try XCTUnwrap(dump.vmcoreInfo)
    let recording = RecordingMemory(dump.physical)
    let memory = KernelMemory(physical: recording, addressSpace: try X86_64AddressSpace(vmcoreInfo: info))
    _ = try PrintkRingBuffer(vmcoreInfo: info, memory: memory).records(in: memory)
    _ = memory.addressSpace.directMapBase(in: recording)
    var sparse = SparseMemory()
    for pfn in recording.pages {
      if let page = try? dump.physical.readPhysical(pfn * 4096, count: 4096) { sparse.pages[pfn] = page }
    }
    var notes = dump.notes.filter { $0.name != "VMCOREINFO" }.map {
      elfNote(name: $0.name, type: $0.type, descriptor: $0.descriptor)
    }.reduce([], +)
    notes += elfNote(name: "VMCOREINFO", type: 0, descriptor: Array(info.raw.utf8))
    let maxPfn = (recording.pages.max() ?? 0) + 1
    return try KdumpWriter.write(
      memory: sparse, maxPfn: maxPfn, notes: notes, vmcoreInfo: [], codec: .zlib, dumpLevel: 31)
  }
}

/// Writes small synthetic seeds for scripts/fuzz-dump.sh when CORONER_WRITE_FUZZ_SEEDS
/// names a folder (the script does this before fuzzing).
final class FuzzSeedTests: XCTestCase {
  func testWriteSeeds() throws {
    guard let folder = ProcessInfo.processInfo.environment["CORONER_WRITE_FUZZ_SEEDS"] else {
      throw XCTSkip("set CORONER_WRITE_FUZZ_SEEDS=DIR to write fuzz seeds")
    }
    var kernel = SyntheticKernel(countBits: 3, sizeBits: 8)
    kernel.writeRing((0..<12).map { SyntheticKernel.Message("seed \($0)", at: UInt64($0)) })
    let kdump = try KdumpWriter.write(
      memory: kernel.memory, maxPfn: 0x1300, notes: kernel.notes, vmcoreInfo: Array(kernel.vmcoreInfo.utf8))
    let seeds: [(String, [UInt8])] = [
      ("corpus-Elf/synthetic.elf", kernel.elf), ("corpus-Kdump/synthetic.kdump", kdump),
      ("corpus-Flattened/synthetic.flat", Array(KdumpWriter.flatten(kdump, chunk: 3000).dropFirst(4096))),
    ]
    for (name, bytes) in seeds {
      let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(bytes).write(to: url)
    }
  }
}

/// Comparisons of a real dump with the reference tools, shared by the tests of dumps
/// in CORONER_DUMP_DIR and of lab scenes.
extension XCTestCase {
  func dmesg(_ path: String) throws -> [UInt8] {
    let log = try Vmcore.open(path: path).kernelLog()
    var output: [UInt8] = []
    for record in log.records { DmesgFormatter.vmcoreDmesg(record, into: &output) }
    return output
  }

  /// An in-guest vmcore against vmcore-dmesg, and makedumpfile's -c, -l (against
  /// vmcore-dmesg and makedumpfile --dump-dmesg) and -F outputs of it.
  func checkInGuestVmcore(_ vmcore: String, scratch: URL) throws {
    guard let expected = RealDumps.run("vmcore-dmesg", [vmcore]) else {
      throw XCTSkip("vmcore-dmesg is not installed")
    }
    XCTAssertEqual(try dmesg(vmcore), [UInt8](expected), vmcore)
    for (flag, name) in [("-c", "c31"), ("-l", "l31")] {
      let output = scratch.appendingPathComponent(name).path
      try? FileManager.default.removeItem(atPath: output)
      guard RealDumps.run("makedumpfile", [flag, "-d", "31", vmcore, output]) != nil else { continue }
      defer { try? FileManager.default.removeItem(atPath: output) }
      XCTAssertEqual(try dmesg(output), [UInt8](expected), "\(vmcore) makedumpfile \(flag)")
      let text = scratch.appendingPathComponent(name + ".txt").path
      if RealDumps.run("makedumpfile", ["--dump-dmesg", output, text]) != nil,
        let reference = FileManager.default.contents(atPath: text)
      {
        var ours: [UInt8] = []
        for record in try Vmcore.open(path: output).kernelLog().records {
          DmesgFormatter.makedumpfile(record, into: &ours)
        }
        XCTAssertEqual(ours, [UInt8](reference), "\(vmcore) makedumpfile --dump-dmesg of \(flag)")
      }
    }
    if let flat = RealDumps.run("makedumpfile", ["-F", "-c", "-d", "31", vmcore]) {
      let path = scratch.appendingPathComponent("F31").path
      try flat.write(to: URL(fileURLWithPath: path))
      defer { try? FileManager.default.removeItem(atPath: path) }
      XCTAssertEqual(try dmesg(path), [UInt8](expected), "\(vmcore) makedumpfile -F")
    }
  }

  /// A QEMU dump's records against the serial console of the same boot.
  func checkAgainstConsole(dump elf: String, serial: String, panic: String, name: String) throws {
    let console = try String(contentsOfFile: serial, encoding: .utf8)
      .replacingOccurrences(of: "\r", with: "").split(separator: "\n").filter { $0.hasPrefix("[") }.map(
        String.init)
    let log = try Vmcore.open(path: elf).kernelLog()
    var kernelStyle: [UInt8] = []
    for record in log.records { DmesgFormatter.kernel(record, into: &kernelStyle) }
    let output = String(decoding: kernelStyle, as: UTF8.self)
    // The console shows the records at or above its log level, a line per line of
    // text: every console line must be one of the dump's lines, in order.
    let dumpLines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var index = 0
    var missing: [String] = []
    for line in console {
      guard let found = dumpLines[index...].firstIndex(of: line) else {
        missing.append(line)
        continue
      }
      index = found + 1
    }
    XCTAssertEqual(missing, [], "\(name): console lines not found in order in the dump")
    XCTAssertGreaterThan(console.count, 300, name)
    XCTAssertTrue(output.contains(panic), name)
  }
}
