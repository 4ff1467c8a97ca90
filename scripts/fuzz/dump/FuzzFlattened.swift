// libFuzzer target: any bytes after a flattened-format header, read through the index.
import Dump

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFlattened(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  var bytes =
    Array("makedumpfile".utf8) + [0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 0, 1]
  bytes += [UInt8](repeating: 0, count: 4096 - bytes.count)
  bytes += UnsafeBufferPointer(start: data, count: size)
  guard let flat = try? FlattenedSource(stream: MemoryByteSource(name: "fuzz.flat", bytes: bytes)) else {
    return 0
  }
  _ = try? flat.read(at: 0, count: Int(min(flat.size, 8192)))
  if flat.size > 100 { _ = try? flat.read(at: flat.size / 2, count: 50) }
  if let vmcore = try? Vmcore(source: MemoryByteSource(name: "fuzz.flat", bytes: bytes)) {
    _ = try? vmcore.kernelLog()
  }
  return 0
}
