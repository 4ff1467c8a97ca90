import Bytes

/// `struct disk_dump_header` and `struct kdump_sub_header` of makedumpfile's
/// kdump-compressed format (makedumpfile diskdump_mod.h; vmcore-format.md §2.2–2.3),
/// LP64 little-endian: the one definition of their layout, which the dump reader
/// reads and the capture writer (and the tests' writer) encode.
public struct KdumpHeader: Sendable, Equatable {
  public var version: Int32
  public var utsname: [String]  // sysname, nodename, release, version, machine, domainname
  public var timestampSeconds: Int64
  public var status: UInt32
  public var blockSize: Int
  public var subHeaderBlocks: Int
  public var bitmapBlocks: UInt64
  public var maxMapNr: UInt64
  public var cpuCount: Int32
  // kdump_sub_header
  public var physBase: UInt64
  public var dumpLevel: Int32?
  public var split: Bool
  public var startPFN: UInt64?
  public var endPFN: UInt64?
  public var vmcoreInfoRange: (offset: UInt64, size: UInt64)?
  public var notesRange: (offset: UInt64, size: UInt64)?

  public static func == (lhs: KdumpHeader, rhs: KdumpHeader) -> Bool {
    lhs.version == rhs.version && lhs.status == rhs.status && lhs.blockSize == rhs.blockSize
      && lhs.maxMapNr == rhs.maxMapNr && lhs.bitmapBlocks == rhs.bitmapBlocks
  }

  public static let signature: [UInt8] = Array("KDUMP   ".utf8)
  /// `DUMP_DH_COMPRESSED_INCOMPLETE`: the writer stopped before the last page.
  public static let incompleteFlag: UInt32 = 0x08
  /// The newest header version, the one written (64-bit PFNs in the sub-header).
  public static let currentVersion: Int32 = 6

  public var isIncomplete: Bool { status & Self.incompleteFlag != 0 }

  /// Field offsets in `disk_dump_header` (block 0): `new_utsname` holds six
  /// 65-byte strings, `timeval` is two longs.
  enum Header {
    static let size = 464
    static let version = 8
    static let utsname = 12
    static let utsnameLength = 65
    static let timestamp = 408
    static let status = 424
    static let blockSize = 428
    static let subHeaderSize = 432
    static let bitmapBlocks = 436
    static let maxMapNr = 440
    static let cpuCount = 460
  }

  /// Field offsets in `kdump_sub_header` (block 1), with the header version that
  /// added them.
  enum SubHeader {
    static let size = 104
    static let physBase = 0
    static let dumpLevel = 8  // version 1
    static let split = 12  // version 2
    static let startPFN = 16  // version 2, unsigned long
    static let endPFN = 24  // version 2
    static let vmcoreInfoOffset = 32  // version 3
    static let vmcoreInfoSize = 40
    static let notesOffset = 48  // version 4
    static let notesSize = 56
    static let startPFN64 = 80  // version 6
    static let endPFN64 = 88
    static let maxMapNr64 = 96
  }

  /// Bytes of `kdump_sub_header`, which the writers follow with the ELF notes.
  public static let subHeaderSize = SubHeader.size

  public init(
    version: Int32 = currentVersion, utsname: [String], timestampSeconds: Int64, status: UInt32,
    blockSize: Int,
    subHeaderBlocks: Int, bitmapBlocks: UInt64, maxMapNr: UInt64, cpuCount: Int32, physBase: UInt64,
    dumpLevel: Int32?, split: Bool = false, startPFN: UInt64? = nil, endPFN: UInt64? = nil,
    vmcoreInfoRange: (offset: UInt64, size: UInt64)?, notesRange: (offset: UInt64, size: UInt64)?
  ) {
    self.version = version
    self.utsname = utsname
    self.timestampSeconds = timestampSeconds
    self.status = status
    self.blockSize = blockSize
    self.subHeaderBlocks = subHeaderBlocks
    self.bitmapBlocks = bitmapBlocks
    self.maxMapNr = maxMapNr
    self.cpuCount = cpuCount
    self.physBase = physBase
    self.dumpLevel = dumpLevel
    self.split = split
    self.startPFN = startPFN
    self.endPFN = endPFN
    self.vmcoreInfoRange = vmcoreInfoRange
    self.notesRange = notesRange
  }

  public init(source: any ByteSource) throws {
    let path = source.name
    let bytes = try source.read(at: 0, count: Header.size, expected: "disk_dump_header")
    let reader = FieldReader(bytes: bytes, path: path, fileOffset: 0, structure: "disk_dump_header")
    guard Array(bytes[0..<8]) == Self.signature else {
      if Array(bytes[0..<8]) == Array("DISKDUMP".utf8) {
        throw DumpError.unsupported(path: path, what: "legacy DISKDUMP format")
      }
      throw DumpError.unknownFormat(path: path)
    }
    version = try reader.i32(Header.version, "header_version")
    utsname = (0..<6).map {
      String(
        decoding: bytes.cString(Header.utsname + Header.utsnameLength * $0, maxLength: Header.utsnameLength),
        as: UTF8.self)
    }
    timestampSeconds = try reader.i64(Header.timestamp, "timestamp.tv_sec")
    status = try reader.u32(Header.status, "status")
    let block = try reader.i32(Header.blockSize, "block_size")
    guard block >= 1024, block <= 1 << 20, block & (block - 1) == 0 else {
      throw DumpError.badField(
        path: path, offset: UInt64(Header.blockSize), field: "block_size",
        expected: "a power of two page size, found \(block)")
    }
    blockSize = Int(block)
    let subBlocks = try reader.i32(Header.subHeaderSize, "sub_hdr_size")
    guard subBlocks > 0, UInt64(subBlocks) * UInt64(block) < source.size else {
      throw DumpError.badField(
        path: path, offset: UInt64(Header.subHeaderSize), field: "sub_hdr_size",
        expected: "blocks within the file, found \(subBlocks)")
    }
    subHeaderBlocks = Int(subBlocks)
    bitmapBlocks = UInt64(try reader.u32(Header.bitmapBlocks, "bitmap_blocks"))
    maxMapNr = UInt64(try reader.u32(Header.maxMapNr, "max_mapnr"))
    cpuCount = try reader.i32(Header.cpuCount, "nr_cpus")

    let subOffset = UInt64(blockSize)
    let sub = try source.read(at: subOffset, count: SubHeader.size, expected: "kdump_sub_header")
    let subReader = FieldReader(bytes: sub, path: path, fileOffset: subOffset, structure: "kdump_sub_header")
    physBase = try subReader.u64(SubHeader.physBase, "phys_base")
    dumpLevel = version >= 1 ? try subReader.i32(SubHeader.dumpLevel, "dump_level") : nil
    split = version >= 2 ? try subReader.i32(SubHeader.split, "split") != 0 : false
    if version >= 3 {
      vmcoreInfoRange = (
        try subReader.u64(SubHeader.vmcoreInfoOffset, "offset_vmcoreinfo"),
        try subReader.u64(SubHeader.vmcoreInfoSize, "size_vmcoreinfo")
      )
    }
    if version >= 4 {
      notesRange = (
        try subReader.u64(SubHeader.notesOffset, "offset_note"),
        try subReader.u64(SubHeader.notesSize, "size_note")
      )
    }
    if version >= 6 {
      startPFN = try subReader.u64(SubHeader.startPFN64, "start_pfn_64")
      endPFN = try subReader.u64(SubHeader.endPFN64, "end_pfn_64")
      maxMapNr = try subReader.u64(SubHeader.maxMapNr64, "max_mapnr_64")
    } else if version >= 2 {
      startPFN = UInt64(try subReader.u32(SubHeader.startPFN, "start_pfn"))
      endPFN = UInt64(try subReader.u32(SubHeader.endPFN, "end_pfn"))
    }
    guard maxMapNr > 0, maxMapNr < 1 << 52 else {
      throw DumpError.badField(
        path: path, offset: UInt64(Header.maxMapNr), field: "max_mapnr",
        expected: "1 to 2^52, found \(maxMapNr)")
    }
  }

  /// Writes `disk_dump_header` at offset 0 and `kdump_sub_header` at `blockSize` of
  /// `bytes` (grown when shorter), the sub-header fields only as far as `version` has
  /// them. The 32-bit fields of older readers (`max_mapnr`, `start_pfn`, `end_pfn`)
  /// hold the 64-bit values clamped, as makedumpfile writes them.
  public func encode(into bytes: inout [UInt8]) {
    let clamped = { (value: UInt64) in UInt32(truncatingIfNeeded: min(value, UInt64(UInt32.max))) }
    bytes.store(Self.signature, at: 0)
    bytes.storeLittleEndian(version, at: Header.version)
    for (index, field) in utsname.prefix(6).enumerated() {
      let at = Header.utsname + Header.utsnameLength * index
      bytes.store([UInt8](repeating: 0, count: Header.utsnameLength), at: at)
      bytes.store(Array(field.utf8.prefix(Header.utsnameLength - 1)), at: at)
    }
    bytes.storeLittleEndian(timestampSeconds, at: Header.timestamp)
    bytes.storeLittleEndian(status, at: Header.status)
    bytes.storeLittleEndian(Int32(blockSize), at: Header.blockSize)
    bytes.storeLittleEndian(Int32(subHeaderBlocks), at: Header.subHeaderSize)
    bytes.storeLittleEndian(UInt32(truncatingIfNeeded: bitmapBlocks), at: Header.bitmapBlocks)
    bytes.storeLittleEndian(clamped(maxMapNr), at: Header.maxMapNr)
    bytes.storeLittleEndian(cpuCount, at: Header.cpuCount)

    let sub = blockSize
    bytes.store([UInt8](repeating: 0, count: SubHeader.size), at: sub)
    bytes.storeLittleEndian(physBase, at: sub + SubHeader.physBase)
    if version >= 1 { bytes.storeLittleEndian(dumpLevel ?? 0, at: sub + SubHeader.dumpLevel) }
    if version >= 2 {
      bytes.storeLittleEndian(Int32(split ? 1 : 0), at: sub + SubHeader.split)
      bytes.storeLittleEndian(UInt64(clamped(startPFN ?? 0)), at: sub + SubHeader.startPFN)
      bytes.storeLittleEndian(UInt64(clamped(endPFN ?? maxMapNr)), at: sub + SubHeader.endPFN)
    }
    if version >= 3, let (offset, size) = vmcoreInfoRange {
      bytes.storeLittleEndian(offset, at: sub + SubHeader.vmcoreInfoOffset)
      bytes.storeLittleEndian(size, at: sub + SubHeader.vmcoreInfoSize)
    }
    if version >= 4, let (offset, size) = notesRange {
      bytes.storeLittleEndian(offset, at: sub + SubHeader.notesOffset)
      bytes.storeLittleEndian(size, at: sub + SubHeader.notesSize)
    }
    if version >= 6 {
      bytes.storeLittleEndian(startPFN ?? 0, at: sub + SubHeader.startPFN64)
      bytes.storeLittleEndian(endPFN ?? maxMapNr, at: sub + SubHeader.endPFN64)
      bytes.storeLittleEndian(maxMapNr, at: sub + SubHeader.maxMapNr64)
    }
  }

  /// Where the page-descriptor table starts.
  var descriptorsOffset: UInt64 {
    (1 + UInt64(subHeaderBlocks) + bitmapBlocks) * UInt64(blockSize)
  }
  var bitmapOffset: UInt64 { (1 + UInt64(subHeaderBlocks)) * UInt64(blockSize) }
}
