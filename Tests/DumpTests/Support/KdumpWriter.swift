import Bytes
import CZlib
import Dump

#if canImport(Glibc)
  import Glibc
#endif

/// Writes makedumpfile's kdump-compressed format (header version 6, both bitmaps,
/// page descriptors, a shared zero page first), and its flattened stream, for
/// fixtures. Compressors for lzo, snappy and zstd are loaded at run time, like the reader's.
enum KdumpWriter {
  static let blockSize = 4096

  static func write(
    memory: SparseMemory, maxPfn: UInt64, notes: [UInt8], vmcoreInfo: [UInt8], codec: PageCodec = .zlib,
    status extraStatus: UInt32 = 0, dumpLevel: Int32 = 1, version: Int32 = 6, split: Range<UInt64>? = nil
  ) throws -> [UInt8] {
    let block = blockSize
    let subHeaderSize = 104
    let notesOffset = block + subHeaderSize
    let subBlocks = (subHeaderSize + notes.count + block - 1) / block
    let bitmapBytes = (Int(maxPfn) + 7) / 8
    let oneBitmapBlocks = (bitmapBytes + block - 1) / block
    let bitmapBlocks = 2 * oneBitmapBlocks
    var file = [UInt8](repeating: 0, count: (1 + subBlocks + bitmapBlocks) * block)
    // disk_dump_header
    file.put(bytes: Array("KDUMP   ".utf8), at: 0)
    file.put(version, at: 8)
    file.put(bytes: Array("Linux".utf8), at: 12)
    file.put(bytes: Array("x86_64".utf8), at: 12 + 65 * 4)
    file.put(statusBits(codec) | extraStatus, at: 424)
    file.put(Int32(block), at: 428)
    file.put(Int32(subBlocks), at: 432)
    file.put(UInt32(bitmapBlocks), at: 436)
    file.put(UInt32(truncatingIfNeeded: maxPfn), at: 440)
    file.put(Int32(1), at: 460)
    // kdump_sub_header
    let vmcoreInfoOffset = notesOffset + notes.count
    file.put(UInt64(0), at: block)  // phys_base
    file.put(dumpLevel, at: block + 8)
    file.put(UInt64(vmcoreInfoOffset), at: block + 32)
    file.put(UInt64(vmcoreInfo.count), at: block + 40)
    file.put(UInt64(notesOffset), at: block + 48)
    file.put(UInt64(notes.count), at: block + 56)
    file.put(split == nil ? Int32(0) : 1, at: block + 12)
    file.put(split?.lowerBound ?? 0, at: block + 80)
    file.put(split?.upperBound ?? maxPfn, at: block + 88)
    file.put(maxPfn, at: block + 96)
    file.put(bytes: notes, at: notesOffset)
    if version < 4 {
      // No notes fields before version 4, no VMCOREINFO fields before 3.
      file.replaceSubrange(block + 48..<block + 64, with: [UInt8](repeating: 0, count: 16))
    }
    if version < 6 {
      file.replaceSubrange(block + 80..<block + 104, with: [UInt8](repeating: 0, count: 24))
    }
    // The VMCOREINFO text must fit in the sub-header blocks; tests keep it small or
    // rely on the note inside `notes`.
    if version < 3 {
      file.replaceSubrange(block + 32..<block + 48, with: [UInt8](repeating: 0, count: 16))
    } else if vmcoreInfoOffset + vmcoreInfo.count <= (1 + subBlocks) * block {
      file.put(bytes: vmcoreInfo, at: vmcoreInfoOffset)
    } else {
      file.put(UInt64(0), at: block + 40)
    }
    let bitmapOffset = (1 + subBlocks) * block
    let pfns = memory.pages.keys.sorted().filter { $0 < maxPfn }
    for pfn in pfns {
      for base in [bitmapOffset, bitmapOffset + oneBitmapBlocks * block] {
        file[base + Int(pfn / 8)] |= 1 << (pfn % 8)
      }
    }
    // Descriptors (a split part: only for its own frames), then the shared zero
    // page, then page data.
    let stored = pfns.filter { split?.contains($0) ?? true }
    let descOffset = file.count
    file += [UInt8](repeating: 0, count: 24 * stored.count)
    let zeroOffset = file.count
    file += [UInt8](repeating: 0, count: block)
    for (rank, pfn) in stored.enumerated() {
      let page = memory.pages[pfn]!
      let at = descOffset + 24 * rank
      if page.allSatisfy({ $0 == 0 }) {
        file.put(Int64(zeroOffset), at: at)
        file.put(UInt32(block), at: at + 8)
        continue
      }
      var stored = try compress(page, codec: codec)
      var flags = UInt32(statusBits(codec))
      if stored.count >= block {
        stored = page
        flags = 0
      }
      file.put(Int64(file.count), at: at)
      file.put(UInt32(stored.count), at: at + 8)
      file.put(flags, at: at + 12)
      file += stored
    }
    return file
  }

  static func statusBits(_ codec: PageCodec) -> UInt32 {
    switch codec {
    case .none: return 0
    case .zlib: return 0x01
    case .lzo: return 0x02
    case .snappy: return 0x04
    case .zstd: return 0x20
    }
  }

  /// The flattened stream of `file`: a 4 KiB header, then (offset, size, data)
  /// records in big endian, in chunks and out of order (the header last), so the
  /// reader's index is exercised; `terminate` adds the end marker.
  static func flatten(
    _ file: [UInt8], chunk: Int = 10_000, terminate: Bool = true, reversed: Bool = false
  ) -> [UInt8] {
    var stream = Array("makedumpfile".utf8) + [0, 0, 0, 0]
    stream += bigEndian(1) + bigEndian(1)
    stream += [UInt8](repeating: 0, count: 4096 - stream.count)
    func record(_ offset: Int, _ data: ArraySlice<UInt8>) {
      stream += bigEndian(UInt64(offset)) + bigEndian(UInt64(data.count)) + data
    }
    // A placeholder header first, overwritten by the real one at the end.
    record(0, ArraySlice([UInt8](repeating: 0xEE, count: 512)))
    var chunks: [Range<Int>] = []
    var offset = 512
    while offset < file.count {
      let end = min(file.count, offset + chunk)
      chunks.append(offset..<end)
      offset = end
    }
    // Overlapping rewrites: every chunk written twice, first with junk.
    for range in reversed ? chunks.reversed() : chunks {
      // Junk reaching 7 bytes into the previous chunk, which (reversed) is written later.
      if reversed {
        record(range.lowerBound - 7, ArraySlice([UInt8](repeating: 0xAB, count: range.count + 7)))
      }
      record(range.lowerBound, file[range])
    }
    record(0, file[0..<min(512, file.count)])
    if terminate { stream += [UInt8](repeating: 0xFF, count: 16) }
    return stream
  }

  static func bigEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
  }

  static func compress(_ page: [UInt8], codec: PageCodec) throws -> [UInt8] {
    switch codec {
    case .none: return page
    case .zlib:
      var length = compressBound(uLong(page.count))
      var output = [UInt8](repeating: 0, count: Int(length))
      let status = compress2(&output, &length, page, uLong(page.count), 1)
      precondition(status == Z_OK)
      return Array(output[0..<Int(length)])
    case .lzo:
      typealias Compress =
        @convention(c) (
          UnsafePointer<UInt8>?, UInt, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?,
          UnsafeMutableRawPointer?
        ) -> Int32
      let function: Compress = try symbol("liblzo2.so.2", "lzo1x_1_compress")
      var output = [UInt8](repeating: 0, count: page.count + page.count / 16 + 64 + 3)
      var length: UInt = 0
      var work = [UInt8](repeating: 0, count: 1 << 17)
      _ = function(page, UInt(page.count), &output, &length, &work)
      return Array(output[0..<Int(length)])
    case .snappy:
      typealias Compress =
        @convention(c) (
          UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?
        ) -> Int32
      let function: Compress = try symbol("libsnappy.so.1", "snappy_compress")
      var output = [CChar](repeating: 0, count: 32 + page.count * 7 / 6)
      var length = output.count
      let input = page.map { CChar(bitPattern: $0) }
      _ = function(input, input.count, &output, &length)
      return output[0..<length].map { UInt8(bitPattern: $0) }
    case .zstd:
      typealias Compress =
        @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int
      let function: Compress = try symbol("libzstd.so.1", "ZSTD_compress")
      var output = [UInt8](repeating: 0, count: page.count + 1024)
      let length = output.withUnsafeMutableBytes { out in
        page.withUnsafeBytes { function(out.baseAddress, out.count, $0.baseAddress, $0.count, 1) }
      }
      return Array(output[0..<length])
    }
  }

  struct MissingLibrary: Error { var name: String }

  /// The library's own compressor, called directly rather than through Codecs, so
  /// that the reader is checked against streams its own code did not write.
  static func symbol<T>(_ library: String, _ name: String) throws -> T {
    guard let function = SharedLibrary([library])?.function(name, as: T.self) else {
      throw MissingLibrary(name: library)
    }
    return function
  }
}
