// libFuzzer target: any bytes as an ORC table (a third addresses, the rest entries),
// looked up at many addresses in every entry format.
import Kernel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOrc(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let count = bytes.count / 10
  let ips = Array(bytes.prefix(4 * count))
  let entries = Array(bytes.dropFirst(4 * count).prefix(6 * count))
  let base: UInt64 = 0xffff_ffff_8100_0000
  guard
    let range = try? OrcTable.range(
      name: "fuzz", text: base..<base + 0x10000, ipBase: base + 0x8000, ips: ips, entries: entries)
  else { return 0 }
  for format in [OrcFormat.v1, .v2, .v3, .v4] {
    let table = OrcTable(format: format, ranges: [range])
    for step in stride(from: UInt64(0), to: 0x10000, by: 0x333) { _ = table.lookup(base + step) }
  }
  return 0
}
