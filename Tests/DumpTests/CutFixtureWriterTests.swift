import Foundation
import Lab
import TestSupport
import XCTest

@testable import Dump

/// Regenerates the committed fixtures (the few hundred pages a log reader needs, cut
/// from the lab's dumps) when CORONER_WRITE_FIXTURES=1: opt-in work, skipped otherwise.
/// The expected text beside each is vmcore-dmesg's output: on the in-guest vmcore
/// itself, and for QEMU dumps (which vmcore-dmesg cannot read) on a copy whose program
/// headers were rewritten to /proc/vmcore's layout.
final class CutFixtureWriterTests: XCTestCase {
  func testWriteCutFixtures() throws {
    _ = try TestInput.optInValue("CORONER_WRITE_FIXTURES", for: "regenerating Fixtures/*-cut.kdump")
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
      "Fixtures")
    let sources: [(DebianKernel, CaptureMethod, String)] = [
      (.v6_1, .kdump, "kdump-6.1-cut"), (.v5_10, .qemuELF, "qemu-5.10-cut"),
      (.v6_12, .qemuELF, "qemu-6.12-cut"), (.v6_1, .qemuELFLa57, "qemu-6.1-la57-cut"),
    ]
    for (kernel, capture, name) in sources {
      let scene = try LabGate.scene("panic", on: kernel, capture: capture, dump: .whole)
      let path = scene.vmcore.path
      let expected: Data
      if capture == .kdump {
        expected = try ToolRun.output("vmcore-dmesg", [path])
      } else {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
          "coroner-cut-\(getpid()).elf")
        defer { try? FileManager.default.removeItem(at: copy) }
        try ProcVmcoreLayout.rewrite(path, to: copy.path)
        expected = try ToolRun.output("vmcore-dmesg", [copy.path])
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

/// Physical memory that remembers which pages were read, to cut a small fixture
/// holding just what the log reader needs.
final class RecordingMemory: PhysicalMemory, @unchecked Sendable {
  let inner: any PhysicalMemory
  private(set) var pages = Set<UInt64>()

  init(_ inner: any PhysicalMemory) { self.inner = inner }

  var pageSize: Int { inner.pageSize }
  var physicalEnd: UInt64 { inner.physicalEnd }
  var presentRanges: [Range<UInt64>] { inner.presentRanges }

  func readPhysical(_ address: UInt64, count: Int) throws -> [UInt8] {
    let size = UInt64(pageSize)
    if count > 0 {
      for pfn in address / size...(address + UInt64(count) - 1) / size { pages.insert(pfn) }
    }
    return try inner.readPhysical(address, count: count)
  }
}

/// Writes small synthetic seeds for scripts/fuzz-dump.sh when CORONER_WRITE_FUZZ_SEEDS
/// names a folder (the script does this before fuzzing): opt-in work.
final class FuzzSeedTests: XCTestCase {
  func testWriteSeeds() throws {
    let folder = try TestInput.optInValue("CORONER_WRITE_FUZZ_SEEDS", for: "writing fuzz seeds")
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
