/// Little-endian byte building for fixtures laid out as the kernel and the dump
/// writers lay them out.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func u8(_ value: UInt8) { bytes.append(value) }
  mutating func u16(_ value: UInt16) { append(value) }
  mutating func u32(_ value: UInt32) { append(value) }
  mutating func u64(_ value: UInt64) { append(value) }
  mutating func i32(_ value: Int32) { append(value) }
  mutating func i64(_ value: Int64) { append(value) }
  mutating func raw(_ data: [UInt8]) { bytes += data }
  mutating func zeros(_ count: Int) { bytes += [UInt8](repeating: 0, count: count) }
  mutating func pad(to alignment: Int) {
    while bytes.count % alignment != 0 { bytes.append(0) }
  }

  mutating func append<T: FixedWidthInteger>(_ value: T) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }
}

extension Array where Element == UInt8 {
  /// Overwrites `count` little-endian bytes of `value` at `offset`, growing as needed.
  mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    let width = MemoryLayout<T>.size
    if count < offset + width { self += [UInt8](repeating: 0, count: offset + width - count) }
    Swift.withUnsafeBytes(of: value.littleEndian) { raw in
      for index in 0..<width { self[offset + index] = raw[index] }
    }
  }

  mutating func put(bytes data: [UInt8], at offset: Int) {
    if count < offset + data.count { self += [UInt8](repeating: 0, count: offset + data.count - count) }
    for (index, byte) in data.enumerated() { self[offset + index] = byte }
  }
}

/// Physical memory of a synthetic machine, page by page.
struct SparseMemory {
  var pages: [UInt64: [UInt8]] = [:]
  let pageSize = 4096

  mutating func write(_ data: [UInt8], at address: UInt64) {
    var done = 0
    while done < data.count {
      let current = address + UInt64(done)
      let pfn = current / UInt64(pageSize)
      let within = Int(current % UInt64(pageSize))
      let take = Swift.min(data.count - done, pageSize - within)
      var page = pages[pfn] ?? [UInt8](repeating: 0, count: pageSize)
      page.replaceSubrange(within..<within + take, with: data[done..<done + take])
      pages[pfn] = page
      done += take
    }
  }

  mutating func write<T: FixedWidthInteger>(_ value: T, at address: UInt64) {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    write(bytes, at: address)
  }

  /// Contiguous runs of present pages: (first pfn, pages).
  var runs: [(pfn: UInt64, count: UInt64)] {
    var result: [(UInt64, UInt64)] = []
    for pfn in pages.keys.sorted() {
      if let last = result.last, last.0 + last.1 == pfn {
        result[result.count - 1].1 += 1
      } else {
        result.append((pfn, 1))
      }
    }
    return result
  }
}

/// One ELF note, padded as `Elf64_Nhdr` requires.
func elfNote(name: String, type: UInt32, descriptor: [UInt8]) -> [UInt8] {
  var writer = ByteWriter()
  let nameBytes = Array(name.utf8) + [0]
  writer.u32(UInt32(nameBytes.count))
  writer.u32(UInt32(descriptor.count))
  writer.u32(type)
  writer.raw(nameBytes)
  writer.pad(to: 4)
  writer.raw(descriptor)
  writer.pad(to: 4)
  return writer.bytes
}

/// An x86_64 NT_PRSTATUS descriptor (336 bytes) with the given pid, rip and rsp.
func prstatus(pid: Int32, rip: UInt64, rsp: UInt64) -> [UInt8] {
  var bytes = [UInt8](repeating: 0, count: 336)
  bytes.put(pid, at: 32)
  bytes.put(rip, at: 112 + 16 * 8)
  bytes.put(rsp, at: 112 + 19 * 8)
  return bytes
}
