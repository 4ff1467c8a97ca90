// libFuzzer target: any bytes as the vmcore a capture reads (ELF, kdump-compressed or
// flattened), then what the capture does with it: the page ranges and the cycles of
// bitmaps sized from the dump, every promised page copied and deflated, the missing-page
// count, and the dump written in memory.
import Dump

@testable import Capture

final class MemoryOutput: DumpOutput {
  let name = "fuzz.out"
  var size: UInt64 = 0
  func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
    // Sizes only: a lying source must not make the writer write beyond its layout.
    guard offset + UInt64(bytes.count) <= 64 << 20 else {
      throw CaptureError.write(path: name, offset: offset, errno: 28)
    }
    size = max(size, offset + UInt64(bytes.count))
  }
  func reserve(_ size: UInt64) {}
  func synchronize() throws {}
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCaptureSource(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let vmcore = try? Vmcore(source: MemoryByteSource(name: "fuzz.vmcore", bytes: bytes)) else {
    return 0
  }
  if let kdump = vmcore.physical as? KdumpCompressedDump { _ = kdump.missingPages() }
  let session = CaptureSession(
    options: .init(source: "fuzz.vmcore", directory: "/nonexistent", level: DumpLevel()))
  // The page ranges and the cycles over them are the bound under test: what a lying
  // header can make the capture hold and write (the output refuses past 64 MiB, as a
  // full target would).
  let ranges = session.pageRanges(vmcore.physical, sourceBytes: UInt64(bytes.count))
  let cycles = PageCycles(
    pageCount: ranges.pageCount, memory: ranges.memory, dumpable: ranges.dumpable, filter: nil, bufferBytes: 4096)
  let (notes, range) = KdumpHeaderFields.notesBlob(vmcore.notes)
  let fields = KdumpHeaderFields(
    utsname: vmcore.utsname, timestamp: 0, codec: .zlib, dumpLevel: 0, physBase: 0, cpuCount: 0, notes: notes,
    vmcoreInfoRange: range)
  let head = KdumpCompressedLayout(
    blockSize: vmcore.physical.pageSize, maxMapNr: cycles.pageCount, notesSize: notes.count, dumpedPages: 0)
  let output = MemoryOutput()
  guard
    let survey = try? cycles.survey(first: [], each: { cycle in
      try head.writeBitmaps(cycle, last: cycle.index == cycles.count - 1, to: output)
    })
  else { return 0 }
  // Pages are written for small dumps only, so that each input stays fast to fuzz.
  guard survey.pagesDumpable <= 1 << 13 else { return 0 }
  let layout = KdumpCompressedLayout(
    blockSize: vmcore.physical.pageSize, maxMapNr: cycles.pageCount, notesSize: notes.count,
    dumpedPages: survey.pagesDumpable)
  var writer = KdumpCompressedWriter(layout: layout, fields: fields, threads: 1)
  writer.chunkPages = 16
  _ = try? writer.write(
    cycles: cycles, firstRanks: survey.firstRanks, bitmaps: false, source: vmcore.physical, to: output)
  return 0
}
