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
    let notesOffset = block + KdumpHeader.subHeaderSize
    let subBlocks = (KdumpHeader.subHeaderSize + notes.count + block - 1) / block
    let bitmapBytes = (Int(maxPfn) + 7) / 8
    let oneBitmapBlocks = (bitmapBytes + block - 1) / block
    let bitmapBlocks = 2 * oneBitmapBlocks
    var file = [UInt8](repeating: 0, count: (1 + subBlocks + bitmapBlocks) * block)
    // The VMCOREINFO text must fit in the sub-header blocks; tests keep it small or
    // rely on the note inside `notes`.
    let vmcoreInfoOffset = notesOffset + notes.count
    let vmcoreInfoFits = vmcoreInfoOffset + vmcoreInfo.count <= (1 + subBlocks) * block
    let header = KdumpHeader(
      version: version, utsname: ["Linux", "", "", "", "x86_64", ""], timestampSeconds: 0,
      status: codec.flag | extraStatus, blockSize: block, subHeaderBlocks: subBlocks,
      bitmapBlocks: UInt64(bitmapBlocks), maxMapNr: maxPfn, cpuCount: 1, physBase: 0, dumpLevel: dumpLevel,
      split: split != nil, startPFN: split?.lowerBound ?? 0, endPFN: split?.upperBound ?? maxPfn,
      vmcoreInfoRange: (UInt64(vmcoreInfoOffset), vmcoreInfoFits ? UInt64(vmcoreInfo.count) : 0),
      notesRange: (UInt64(notesOffset), UInt64(notes.count)))
    header.encode(into: &file)
    file.put(bytes: notes, at: notesOffset)
    if version >= 3 && vmcoreInfoFits { file.put(bytes: vmcoreInfo, at: vmcoreInfoOffset) }
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
    var descriptors: [UInt8] = []
    let descOffset = file.count
    let zeroOffset = descOffset + KdumpPageDescriptor.size * stored.count
    var data = [UInt8](repeating: 0, count: block)
    for (rank, pfn) in stored.enumerated() {
      let page = memory.pages[pfn]!
      var descriptor = KdumpPageDescriptor(offset: Int64(zeroOffset), size: UInt32(block), flags: 0)
      if !page.allSatisfy({ $0 == 0 }) {
        let compressed = try compress(page, codec: codec)
        let raw = compressed.count >= block
        descriptor = KdumpPageDescriptor(
          offset: Int64(zeroOffset + data.count), size: UInt32(raw ? block : compressed.count),
          flags: raw ? 0 : codec.flag)
        data += raw ? page : compressed
      }
      descriptor.encode(into: &descriptors, index: rank)
    }
    return file + descriptors + data
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
