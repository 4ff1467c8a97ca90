import Bytes
import Dump

/// Where everything goes in a kdump-compressed file (vmcore-format.md §2.1): block 0
/// the `disk_dump_header`, then the `kdump_sub_header` and the ELF notes, both
/// bitmaps, the page descriptors (24 bytes per dumped page), then page data, the
/// shared zero page first.
public struct KdumpCompressedLayout: Sendable, Equatable {
  public let blockSize: Int
  public let maxMapNr: UInt64
  public let notesSize: Int
  public let dumpedPages: UInt64

  public static let descriptorSize = UInt64(KdumpPageDescriptor.size)

  public init(blockSize: Int, maxMapNr: UInt64, notesSize: Int, dumpedPages: UInt64) {
    self.blockSize = blockSize
    self.maxMapNr = maxMapNr
    self.notesSize = notesSize
    self.dumpedPages = dumpedPages
  }

  var block: UInt64 { UInt64(blockSize) }
  public var subHeaderBlocks: Int { (KdumpHeader.subHeaderSize + notesSize + blockSize - 1) / blockSize }
  /// One bitmap, in bytes, rounded up to whole blocks.
  public var bitmapBytes: Int {
    let bytes = Int((maxMapNr + 7) / 8)
    return (bytes + blockSize - 1) / blockSize * blockSize
  }
  public var bitmapBlocks: Int { 2 * bitmapBytes / blockSize }
  public var notesOffset: UInt64 { block + UInt64(KdumpHeader.subHeaderSize) }
  public var bitmapOffset: UInt64 { (1 + UInt64(subHeaderBlocks)) * block }
  public var descriptorsOffset: UInt64 { bitmapOffset + UInt64(bitmapBlocks) * block }
  public var zeroPageOffset: UInt64 { descriptorsOffset + Self.descriptorSize * dumpedPages }
  /// Where compressed pages start, after the shared zero page.
  public var dataOffset: UInt64 { zeroPageOffset + block }

  /// Writes one cycle's parts of both bitmaps to their place (what makedumpfile's cyclic
  /// mode does per cycle); the `last` cycle's also pad their bitmaps' final block.
  public func writeBitmaps(_ cycle: PageCycles.Cycle, last: Bool, to output: any DumpOutput) throws {
    try cycle.memory.write(to: output, at: bitmapOffset, paddedTo: bitmapBytes, last: last)
    try cycle.dumpable.write(
      to: output, at: bitmapOffset + UInt64(bitmapBytes), paddedTo: bitmapBytes, last: last)
  }
}

/// What goes into the headers besides the layout.
public struct KdumpHeaderFields: Sendable {
  /// sysname, nodename, release, version, machine, domainname (`struct new_utsname`).
  public var utsname: [String]
  public var timestamp: Int64
  public var codec: PageCodec
  public var dumpLevel: Int32
  public var physBase: UInt64
  public var cpuCount: Int32
  /// The ELF notes blob (NT_PRSTATUS per CPU, VMCOREINFO, ...).
  public var notes: [UInt8]
  /// Where the VMCOREINFO text lies inside `notes`.
  public var vmcoreInfoRange: Range<Int>?

  public init(
    utsname: [String], timestamp: Int64, codec: PageCodec, dumpLevel: Int32, physBase: UInt64,
    cpuCount: Int32, notes: [UInt8], vmcoreInfoRange: Range<Int>?
  ) {
    self.utsname = utsname
    self.timestamp = timestamp
    self.codec = codec
    self.dumpLevel = dumpLevel
    self.physBase = physBase
    self.cpuCount = cpuCount
    self.notes = notes
    self.vmcoreInfoRange = vmcoreInfoRange
  }

  /// Serializes notes as an ELF notes blob (vmcore-format.md §1.4); returns the blob
  /// and where the VMCOREINFO descriptor lies in it.
  public static func notesBlob(_ notes: [ElfNote]) -> ([UInt8], Range<Int>?) {
    var blob: [UInt8] = []
    var vmcoreInfo: Range<Int>?
    for note in notes {
      let name = Array(note.name.utf8) + [0]
      blob.appendLittleEndian(UInt32(name.count))
      blob.appendLittleEndian(UInt32(note.descriptor.count))
      blob.appendLittleEndian(note.type)
      blob += name + [UInt8](repeating: 0, count: (4 - name.count % 4) % 4)
      if note.name == "VMCOREINFO" { vmcoreInfo = blob.count..<blob.count + note.descriptor.count }
      blob += note.descriptor + [UInt8](repeating: 0, count: (4 - note.descriptor.count % 4) % 4)
    }
    return (blob, vmcoreInfo)
  }

  /// Block 0 and the sub-header blocks: `disk_dump_header` version 6 and
  /// `kdump_sub_header` (`KdumpHeader`), then the notes.
  public func image(layout: KdumpCompressedLayout, incomplete: Bool) -> [UInt8] {
    let header = KdumpHeader(
      utsname: utsname, timestampSeconds: timestamp,
      status: codec.flag | (incomplete ? KdumpHeader.incompleteFlag : 0), blockSize: layout.blockSize,
      subHeaderBlocks: layout.subHeaderBlocks, bitmapBlocks: UInt64(layout.bitmapBlocks),
      maxMapNr: layout.maxMapNr,
      cpuCount: cpuCount, physBase: physBase, dumpLevel: dumpLevel, startPFN: 0, endPFN: layout.maxMapNr,
      vmcoreInfoRange: vmcoreInfoRange.map { (layout.notesOffset + UInt64($0.lowerBound), UInt64($0.count)) },
      notesRange: (layout.notesOffset, UInt64(notes.count)))
    var bytes = [UInt8](repeating: 0, count: (1 + layout.subHeaderBlocks) * layout.blockSize)
    header.encode(into: &bytes)
    bytes.store(notes, at: Int(layout.notesOffset))
    return bytes
  }
}
