// libFuzzer target: any bytes as the vmcore a capture reads (ELF, kdump-compressed or
// flattened), then what the capture does with it: the two bitmaps sized from the dump,
// every promised page copied, the missing-page count, and the dump written in memory.
import Dump

@testable import Capture

final class MemoryOutput: DumpOutput {
  let name = "fuzz.out"
  var size: UInt64 = 0
  func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
    // Sizes only: a lying source must not make the writer write beyond its layout.
    guard offset + UInt64(bytes.count) <= 1 << 30 else {
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
  let (memory, dumpable, _) = session.bitmaps(vmcore.physical, sourceBytes: UInt64(bytes.count))
  // The bitmaps above are the bound under test; writing is tried on small dumps only,
  // so that each input stays fast enough to fuzz.
  guard dumpable.count <= 1 << 13 else { return 0 }
  let (notes, range) = KdumpHeaderFields.notesBlob(vmcore.notes)
  let fields = KdumpHeaderFields(
    utsname: vmcore.utsname, timestamp: 0, codec: .none, dumpLevel: 0, physBase: 0, cpuCount: 0, notes: notes,
    vmcoreInfoRange: range)
  let layout = KdumpCompressedLayout(
    blockSize: vmcore.physical.pageSize, maxMapNr: memory.pageCount, notesSize: notes.count,
    dumpedPages: dumpable.count)
  var writer = KdumpCompressedWriter(layout: layout, fields: fields, threads: 1)
  writer.chunkPages = 16
  _ = try? writer.write(memory: memory, dumpable: dumpable, source: vmcore.physical, to: MemoryOutput())
  return 0
}
