import Bytes
import Dump

@testable import Capture

#if canImport(Glibc)
  import Glibc
#endif

/// A small ELF vmcore built in memory: one PT_NOTE (a VMCOREINFO note) and a
/// PT_LOAD per range of page frames, each page filled by `content(pfn)`.
enum SyntheticElf {
  static let pageSize = 4096

  static func build(
    ranges: [Range<UInt64>], vmcoreInfo: String = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n",
    content: (UInt64) -> [UInt8]
  ) -> [UInt8] {
    let note = note(name: "VMCOREINFO", type: 0, descriptor: Array(vmcoreInfo.utf8))
    let headers = 64 + 56 * (ranges.count + 1)
    var file = [UInt8](repeating: 0, count: headers)
    file.store([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1], at: 0)
    file.storeLittleEndian(UInt16(4), at: 16)  // ET_CORE
    file.storeLittleEndian(UInt16(62), at: 18)  // EM_X86_64
    file.storeLittleEndian(UInt32(1), at: 20)
    file.storeLittleEndian(UInt64(64), at: 32)  // e_phoff
    file.storeLittleEndian(UInt16(64), at: 52)
    file.storeLittleEndian(UInt16(56), at: 54)
    file.storeLittleEndian(UInt16(ranges.count + 1), at: 56)
    func header(_ index: Int, type: UInt32, offset: Int, physical: UInt64, size: Int) {
      let at = 64 + 56 * index
      file.storeLittleEndian(type, at: at)
      file.storeLittleEndian(UInt64(offset), at: at + 8)
      file.storeLittleEndian(physical, at: at + 24)
      file.storeLittleEndian(UInt64(size), at: at + 32)
      file.storeLittleEndian(UInt64(size), at: at + 40)
    }
    header(0, type: 4, offset: file.count, physical: 0, size: note.count)
    file += note
    for (index, range) in ranges.enumerated() {
      header(
        index + 1, type: 1, offset: file.count, physical: range.lowerBound * UInt64(pageSize),
        size: range.count * pageSize)
      for pfn in range { file += content(pfn) }
    }
    return file
  }

  static func note(name: String, type: UInt32, descriptor: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    let nameBytes = Array(name.utf8) + [0]
    bytes.appendLittleEndian(UInt32(nameBytes.count))
    bytes.appendLittleEndian(UInt32(descriptor.count))
    bytes.appendLittleEndian(type)
    bytes += nameBytes + [UInt8](repeating: 0, count: (4 - nameBytes.count % 4) % 4)
    bytes += descriptor + [UInt8](repeating: 0, count: (4 - descriptor.count % 4) % 4)
    return bytes
  }

  /// A page that compresses well but is not zero: its frame number repeated.
  static func page(_ pfn: UInt64) -> [UInt8] {
    var page = [UInt8](repeating: 0, count: pageSize)
    for index in stride(from: 0, to: pageSize, by: 64) {
      page.storeLittleEndian(pfn &* 2_654_435_761, at: index)
    }
    return page
  }
}

/// A dump written to memory; `failAfter` bytes of page data (or more) make every
/// write past that point fail with ENOSPC, as a full disk does.
final class MemoryDumpOutput: DumpOutput {
  let name = "memory.kdump"
  var bytes: [UInt8] = []
  var failAfter: UInt64?
  var writes = 0

  init(bytes: [UInt8] = [], failAfter: UInt64? = nil) {
    self.bytes = bytes
    self.failAfter = failAfter
  }

  func write(_ data: UnsafeRawBufferPointer, at offset: UInt64) throws {
    writes += 1
    let end = Int(offset) + data.count
    if let failAfter, UInt64(end) > failAfter, end > bytes.count {
      throw CaptureError.write(path: name, offset: offset, errno: ENOSPC)
    }
    if bytes.count < end { bytes += [UInt8](repeating: 0, count: end - bytes.count) }
    bytes.replaceSubrange(Int(offset)..<end, with: data)
  }

  func reserve(_ size: UInt64) {
    if bytes.count < Int(size) { bytes += [UInt8](repeating: 0, count: Int(size) - bytes.count) }
  }

  func synchronize() throws {}
}
