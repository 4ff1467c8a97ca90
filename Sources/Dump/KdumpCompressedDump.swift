import Bytes
import Codecs

/// A kdump-compressed dump (`KDUMP   `, makedumpfile `-c/-l/-p/-z` and QEMU `-z/-l/-s`
/// once rearranged), read page by page through its bitmaps and page descriptors
/// (vmcore-format.md §2). The source may be a plain file or a flattened stream seen
/// through `FlattenedSource`.
public struct KdumpCompressedDump: PhysicalMemory {
  public let source: any ByteSource
  public let header: KdumpHeader
  public let notes: [ElfNote]
  /// VMCOREINFO text from the sub-header, when it has one.
  public let vmcoreInfoText: [UInt8]?
  let memoryBitmap: PfnBitmap
  let dumpedBitmap: PfnBitmap
  let cache = PageCache()
  /// The page frames this file holds: all of them, or its part of a split dump
  /// (`makedumpfile --split`), whose descriptors start at the rank of its first PFN.
  public let pfnRange: Range<UInt64>
  let rankBase: UInt64

  public var pageSize: Int { header.blockSize }
  public var physicalEnd: UInt64 { header.maxMapNr * UInt64(header.blockSize) }

  public init(source: any ByteSource) throws {
    self.source = source
    let path = source.name
    header = try KdumpHeader(source: source)
    let block = UInt64(header.blockSize)
    // One bitmap is ceil(ceil(max_mapnr/8)/block) blocks; the area normally holds two.
    let bitmapBytes = (header.maxMapNr + 7) / 8
    let oneBitmapBlocks = (bitmapBytes + block - 1) / block
    guard header.bitmapBlocks >= oneBitmapBlocks, header.bitmapBlocks <= source.heldBytes / block else {
      throw DumpError.badField(
        path: path, offset: 436, field: "bitmap_blocks",
        expected: "at least \(oneBitmapBlocks) blocks for max_mapnr \(header.maxMapNr), within the file")
    }
    let twoBitmaps = header.bitmapBlocks >= 2 * oneBitmapBlocks
    let first = try source.read(
      at: header.bitmapOffset, count: Int(bitmapBytes), expected: "1st bitmap")
    memoryBitmap = PfnBitmap(bytes: first)
    if twoBitmaps {
      let secondOffset = header.bitmapOffset + header.bitmapBlocks / 2 * block
      dumpedBitmap = PfnBitmap(
        bytes: try source.read(at: secondOffset, count: Int(bitmapBytes), expected: "2nd bitmap"))
    } else {
      dumpedBitmap = memoryBitmap
    }
    var notes: [ElfNote] = []
    if let (offset, size) = header.notesRange, size > 0 {
      guard size < 1 << 26 else {
        throw DumpError.badField(
          path: path, offset: block + UInt64(KdumpHeader.SubHeader.notesSize), field: "size_note",
          expected: "under 64 MiB")
      }
      let blob = try source.read(at: offset, count: Int(size), expected: "ELF notes")
      notes = try ElfNote.parse(blob, path: path, fileOffset: offset)
    }
    self.notes = notes
    if header.split, let start = header.startPFN, let end = header.endPFN {
      guard start <= end, end <= header.maxMapNr else {
        throw DumpError.badField(
          path: path, offset: block + UInt64(KdumpHeader.SubHeader.startPFN64), field: "start_pfn/end_pfn",
          expected: "a range within max_mapnr \(header.maxMapNr), found \(start)..<\(end)")
      }
      pfnRange = start..<end
    } else {
      pfnRange = 0..<header.maxMapNr
    }
    rankBase = dumpedBitmap.rank(pfnRange.lowerBound)
    if let (offset, size) = header.vmcoreInfoRange, size > 0, size < 1 << 20 {
      vmcoreInfoText = try source.read(at: offset, count: Int(size), expected: "VMCOREINFO")
    } else {
      vmcoreInfoText = nil
    }
  }

  /// Number of pages the dump holds data for.
  public var dumpedPages: UInt64 { dumpedBitmap.rank(pfnRange.upperBound) - rankBase }
  /// Number of pages the dumped machine had.
  public var memoryPages: UInt64 { memoryBitmap.count }

  public var presentRanges: [Range<UInt64>] {
    let block = UInt64(pageSize)
    return dumpedBitmap.runs(limit: pfnRange.upperBound).compactMap { run in
      let low = max(run.lowerBound, pfnRange.lowerBound)
      return low < run.upperBound ? low * block..<run.upperBound * block : nil
    }
  }

  /// Dumped pages whose data the file does not hold, by why.
  public struct MissingPages: Sendable, Equatable {
    /// Descriptors beyond the end of the file.
    public var descriptorsPastEnd: UInt64 = 0
    /// Descriptors whose page data lies (partly) beyond the end of the file.
    public var dataPastEnd: UInt64 = 0
    /// Descriptors left empty (offset and size 0): pages an incomplete dump never wrote.
    public var neverWritten: UInt64 = 0
    public var total: UInt64 { descriptorsPastEnd + dataPastEnd + neverWritten }
  }

  /// Checks every page descriptor the file holds against the file's size, a chunk of
  /// the table at a time (memory stays flat whatever the dump's size): a file cut
  /// inside its page data has whole descriptors pointing past its end.
  public func missingPages() -> MissingPages {
    var missing = MissingPages()
    let descriptorSize = UInt64(KdumpPageDescriptor.size)
    let total = dumpedPages
    let start = header.descriptorsOffset
    let inFile = source.size > start ? min(total, (source.size - start) / descriptorSize) : 0
    missing.descriptorsPastEnd = total - inFile
    let chunk: UInt64 = 1 << 15
    var index: UInt64 = 0
    while index < inFile {
      let count = min(chunk, inFile - index)
      let offset = start + index * descriptorSize
      guard
        let table = try? source.read(at: offset, count: Int(count * descriptorSize), expected: "page_desc")
      else {
        missing.descriptorsPastEnd += inFile - index
        break
      }
      for entry in 0..<Int(count) {
        let at = entry * KdumpPageDescriptor.size
        let dataOffset = table.u64(at) ?? 0
        let size = UInt64(table.u32(at + 8) ?? 0)
        if dataOffset == 0 && size == 0 {
          missing.neverWritten += 1
        } else if !source.contains(offset: dataOffset, count: size) {
          missing.dataPastEnd += 1
        }
      }
      index += count
    }
    return missing
  }

  /// The decoded page `pfn`.
  public func page(_ pfn: UInt64) throws -> [UInt8] {
    let address = pfn &* UInt64(pageSize)
    guard pfnRange.contains(pfn) else { throw DumpError.physicalNotInDump(address: address) }
    guard dumpedBitmap.contains(pfn) else {
      if memoryBitmap.contains(pfn) { throw DumpError.pageExcluded(address: address) }
      throw DumpError.physicalNotInDump(address: address)
    }
    return try cache.page(pfn) { try load(pfn, address: address) }
  }

  private func load(_ pfn: UInt64, address: UInt64) throws -> [UInt8] {
    let path = source.name
    let rank = dumpedBitmap.rank(pfn) - rankBase
    let descriptorSize = KdumpPageDescriptor.size
    let descOffset = header.descriptorsOffset + rank * UInt64(descriptorSize)
    guard source.contains(offset: descOffset, count: UInt64(descriptorSize)) else {
      throw DumpError.pageMissing(address: address, reason: "page descriptor past the end of \(path)")
    }
    let descriptor = try KdumpPageDescriptor(
      source.read(at: descOffset, count: descriptorSize, expected: "page_desc"), path: path,
      fileOffset: descOffset)
    let (offset, size, flags) = (descriptor.offset, descriptor.size, descriptor.flags)
    if offset == 0 && size == 0 {
      let why = header.isIncomplete ? "the dump is flagged incomplete" : "the descriptor is empty"
      throw DumpError.pageMissing(address: address, reason: why)
    }
    guard offset > 0, size > 0, Int(size) <= pageSize else {
      throw DumpError.badPage(
        address: address, fileOffset: descOffset,
        reason: "descriptor offset \(offset) size \(size) (expected 1 to \(pageSize) bytes)")
    }
    guard let codec = PageCodec(flags: flags) else {
      throw DumpError.badPage(
        address: address, fileOffset: descOffset, reason: "unknown flags \(hex(UInt64(flags)))")
    }
    guard source.contains(offset: UInt64(offset), count: UInt64(size)) else {
      throw DumpError.pageMissing(address: address, reason: "page data past the end of \(path)")
    }
    let stored = try source.read(at: UInt64(offset), count: Int(size), expected: "page data")
    do {
      return try codec.decode(stored, pageSize: pageSize)
    } catch {
      if case .unavailable(let codec, let library) = error {
        throw DumpError.codecUnavailable(codec: codec, library: library)
      }
      throw DumpError.badPage(address: address, fileOffset: UInt64(offset), reason: error.description)
    }
  }

  public func readPhysical(_ address: UInt64, count: Int) throws -> [UInt8] {
    try readByPage(address, count: count) { pfn, _, within, take in try page(pfn)[within..<within + take] }
  }
}
