import Bytes

/// `struct disk_dump_header` and `struct kdump_sub_header` of makedumpfile's
/// kdump-compressed format, LP64 little-endian layout (vmcore-format.md §2.2–2.3).
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
  public static let incompleteFlag: UInt32 = 0x08

  public var isIncomplete: Bool { status & Self.incompleteFlag != 0 }

  public init(source: any ByteSource) throws {
    let path = source.name
    let bytes = try source.read(at: 0, count: 464, expected: "disk_dump_header")
    let reader = FieldReader(bytes: bytes, path: path, fileOffset: 0, structure: "disk_dump_header")
    guard Array(bytes[0..<8]) == Self.signature else {
      if Array(bytes[0..<8]) == Array("DISKDUMP".utf8) {
        throw DumpError.unsupported(path: path, what: "legacy DISKDUMP format")
      }
      throw DumpError.unknownFormat(path: path)
    }
    version = try reader.i32(8, "header_version")
    utsname = (0..<6).map { String(decoding: bytes.cString(12 + 65 * $0, maxLength: 65), as: UTF8.self) }
    timestampSeconds = try reader.i64(408, "timestamp.tv_sec")
    status = try reader.u32(424, "status")
    let block = try reader.i32(428, "block_size")
    guard block >= 1024, block <= 1 << 20, block & (block - 1) == 0 else {
      throw DumpError.badField(
        path: path, offset: 428, field: "block_size", expected: "a power of two page size, found \(block)")
    }
    blockSize = Int(block)
    let subBlocks = try reader.i32(432, "sub_hdr_size")
    guard subBlocks > 0, UInt64(subBlocks) * UInt64(block) < source.size else {
      throw DumpError.badField(
        path: path, offset: 432, field: "sub_hdr_size", expected: "blocks within the file, found \(subBlocks)"
      )
    }
    subHeaderBlocks = Int(subBlocks)
    bitmapBlocks = UInt64(try reader.u32(436, "bitmap_blocks"))
    maxMapNr = UInt64(try reader.u32(440, "max_mapnr"))
    cpuCount = try reader.i32(460, "nr_cpus")

    let subOffset = UInt64(blockSize)
    let sub = try source.read(at: subOffset, count: 104, expected: "kdump_sub_header")
    let subReader = FieldReader(bytes: sub, path: path, fileOffset: subOffset, structure: "kdump_sub_header")
    physBase = try subReader.u64(0, "phys_base")
    dumpLevel = version >= 1 ? try subReader.i32(8, "dump_level") : nil
    split = version >= 2 ? try subReader.i32(12, "split") != 0 : false
    if version >= 3 {
      vmcoreInfoRange = (try subReader.u64(32, "offset_vmcoreinfo"), try subReader.u64(40, "size_vmcoreinfo"))
    }
    if version >= 4 {
      notesRange = (try subReader.u64(48, "offset_note"), try subReader.u64(56, "size_note"))
    }
    if version >= 6 {
      startPFN = try subReader.u64(80, "start_pfn_64")
      endPFN = try subReader.u64(88, "end_pfn_64")
      maxMapNr = try subReader.u64(96, "max_mapnr_64")
    } else if version >= 2 {
      startPFN = UInt64(try subReader.u32(16, "start_pfn"))
      endPFN = UInt64(try subReader.u32(24, "end_pfn"))
    }
    guard maxMapNr > 0, maxMapNr < 1 << 52 else {
      throw DumpError.badField(
        path: path, offset: 440, field: "max_mapnr", expected: "1 to 2^52, found \(maxMapNr)")
    }
  }

  /// Where the page-descriptor table starts.
  var descriptorsOffset: UInt64 {
    (1 + UInt64(subHeaderBlocks) + bitmapBlocks) * UInt64(blockSize)
  }
  var bitmapOffset: UInt64 { (1 + UInt64(subHeaderBlocks)) * UInt64(blockSize) }
}
