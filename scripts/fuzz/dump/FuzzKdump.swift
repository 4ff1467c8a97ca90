// libFuzzer target: any bytes as a kdump-compressed file; every dumped page read.
import Dump

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKdump(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let dump = try? KdumpCompressedDump(source: MemoryByteSource(name: "fuzz.kdump", bytes: bytes)) else {
    return 0
  }
  for range in dump.presentRanges.prefix(8) {
    var address = range.lowerBound
    while address < range.upperBound && address - range.lowerBound < 64 * 4096 {
      _ = try? dump.readPhysical(address, count: 16)
      address += 4096
    }
  }
  if let vmcore = try? Vmcore(source: MemoryByteSource(name: "fuzz.kdump", bytes: bytes)) {
    _ = try? vmcore.kernelLog()
  }
  return 0
}
