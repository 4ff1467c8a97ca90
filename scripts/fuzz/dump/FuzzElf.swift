// libFuzzer target: any bytes as an ELF vmcore, then its kernel log.
import Dump

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzElf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if let elf = try? ElfVmcore(source: MemoryByteSource(name: "fuzz.elf", bytes: bytes)) {
    _ = try? elf.readPhysical(0x1000, count: 64)
  }
  if let dump = try? Vmcore(source: MemoryByteSource(name: "fuzz.elf", bytes: bytes)) {
    _ = try? dump.kernelLog()
  }
  return 0
}
