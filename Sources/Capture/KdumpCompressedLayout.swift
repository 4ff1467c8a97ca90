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

  static let headerSize = 464
  static let subHeaderSize = 104
  public static let descriptorSize: UInt64 = 24

  public init(blockSize: Int, maxMapNr: UInt64, notesSize: Int, dumpedPages: UInt64) {
    self.blockSize = blockSize
    self.maxMapNr = maxMapNr
    self.notesSize = notesSize
    self.dumpedPages = dumpedPages
  }

  var block: UInt64 { UInt64(blockSize) }
  public var subHeaderBlocks: Int { (Self.subHeaderSize + notesSize + blockSize - 1) / blockSize }
  /// One bitmap, in bytes, rounded up to whole blocks.
  public var bitmapBytes: Int {
    let bytes = Int((maxMapNr + 7) / 8)
    return (bytes + blockSize - 1) / blockSize * blockSize
  }
  public var bitmapBlocks: Int { 2 * bitmapBytes / blockSize }
  public var notesOffset: UInt64 { block + UInt64(Self.subHeaderSize) }
  public var bitmapOffset: UInt64 { (1 + UInt64(subHeaderBlocks)) * block }
  public var descriptorsOffset: UInt64 { bitmapOffset + UInt64(bitmapBlocks) * block }
  public var zeroPageOffset: UInt64 { descriptorsOffset + Self.descriptorSize * dumpedPages }
  /// Where compressed pages start, after the shared zero page.
  public var dataOffset: UInt64 { zeroPageOffset + block }
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

  /// Block 0 and the sub-header blocks (`disk_dump_header` version 6 and
  /// `kdump_sub_header`, LP64 little-endian offsets of vmcore-format.md §2.2–2.3).
  public func image(layout: KdumpCompressedLayout, incomplete: Bool) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: (1 + layout.subHeaderBlocks) * layout.blockSize)
    bytes.put(Array("KDUMP   ".utf8), at: 0)
    bytes.put(Int32(6), at: 8)
    for (index, field) in utsname.prefix(6).enumerated() {
      bytes.put(Array(field.utf8.prefix(64)), at: 12 + 65 * index)
    }
    bytes.put(timestamp, at: 408)
    bytes.put(codec.flag | (incomplete ? KdumpHeader.incompleteFlag : 0), at: 424)
    bytes.put(Int32(layout.blockSize), at: 428)
    bytes.put(Int32(layout.subHeaderBlocks), at: 432)
    bytes.put(UInt32(layout.bitmapBlocks), at: 436)
    bytes.put(UInt32(truncatingIfNeeded: min(layout.maxMapNr, UInt64(UInt32.max))), at: 440)
    bytes.put(cpuCount, at: 460)
    let sub = layout.blockSize
    bytes.put(physBase, at: sub)
    bytes.put(dumpLevel, at: sub + 8)
    bytes.put(UInt64(truncatingIfNeeded: min(layout.maxMapNr, UInt64(UInt32.max))), at: sub + 24)
    if let range = vmcoreInfoRange {
      bytes.put(layout.notesOffset + UInt64(range.lowerBound), at: sub + 32)
      bytes.put(UInt64(range.count), at: sub + 40)
    }
    bytes.put(layout.notesOffset, at: sub + 48)
    bytes.put(UInt64(notes.count), at: sub + 56)
    bytes.put(UInt64(0), at: sub + 80)
    bytes.put(layout.maxMapNr, at: sub + 88)
    bytes.put(layout.maxMapNr, at: sub + 96)
    bytes.put(notes, at: Int(layout.notesOffset))
    return bytes
  }
}

extension Array where Element == UInt8 {
  mutating func put(_ value: [UInt8], at offset: Int) {
    replaceSubrange(offset..<offset + value.count, with: value)
  }

  mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
  }

  mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}
