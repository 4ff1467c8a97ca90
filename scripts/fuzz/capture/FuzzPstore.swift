// libFuzzer target: any bytes as pstore records: the first byte picks the record's
// name (a kmsg dump part, compressed or not, a console record), the rest are split
// into up to four records of one directory, harvested into boots and outputs.
import Capture

@testable import Capture

let names = [
  "dmesg-ramoops-0", "dmesg-ramoops-1.enc.z", "dmesg-efi-176419620002001", "dmesg-efi-176419620001001.enc.z",
  "console-ramoops-0", "pmsg-ramoops-0", "dmesg-erst-7012345678901234567", "ftrace-ramoops-0",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPstore(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let first = bytes.first else { return 0 }
  var records: [(record: PstoreRecord, bytes: [UInt8], note: String?)] = []
  let parts = bytes.dropFirst().split(separator: 0xFE, maxSplits: 3, omittingEmptySubsequences: false)
  for (index, part) in parts.enumerated() {
    let name = names[(Int(first) + index) % names.count]
    guard let record = PstoreRecord(fileName: name, time: Int(first) * 1000 + index) else { continue }
    let (text, note) = PstoreHarvest.decode(Array(part), record)
    _ = KmsgDumpHeader.split(String(decoding: text, as: UTF8.self))
    records.append((record, text, note))
  }
  for boot in PstoreHarvest.boots(records) {
    for output in boot.outputs { _ = output.bytes.count }
  }
  return 0
}
