// libFuzzer entry point over the KernelLog parser: any bytes must parse into
// records and reports without a trap. Built with the library's sources as one
// module by build.sh (swiftc -sanitize=fuzzer,address).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKernelLog(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  guard let data, count > 0 else { return 0 }
  let bytes = UnsafeBufferPointer(start: data, count: count)
  let parser = CrashReportParser()
  let fromBytes = parser.reports(inLog: bytes)
  let records = KernelLogReader.records(in: Array(bytes))
  let fromRecords = parser.reports(in: records)
  // Both entry points see the same crashes.
  if fromBytes.map(\.title) != fromRecords.map(\.title), count < 1 << 16 {
    fatalError("byte scanner and record parser disagree: \(fromBytes.map(\.title)) vs \(fromRecords.map(\.title))")
  }
  return 0
}
