import Bytes

/// `struct page_desc` of makedumpfile's kdump-compressed format (diskdump_mod.h;
/// vmcore-format.md §2.5): where one dumped page's data lies and how it is stored.
/// One per page set in the second bitmap, in frame order, after the bitmaps.
public struct KdumpPageDescriptor: Sendable, Equatable {
  /// Bytes of one descriptor: `off_t offset`, `unsigned int size`, `unsigned int
  /// flags`, `unsigned long long page_flags`.
  public static let size = 24

  /// File offset of the page's data; 0 with `size` 0 is a page never written (an
  /// incomplete dump).
  public var offset: Int64
  /// Bytes stored: the page size for a raw page.
  public var size: UInt32
  /// The codec bit (`PageCodec.flag`), 0 for a raw page.
  public var flags: UInt32
  public var pageFlags: UInt64

  public init(offset: Int64, size: UInt32, flags: UInt32, pageFlags: UInt64 = 0) {
    self.offset = offset
    self.size = size
    self.flags = flags
    self.pageFlags = pageFlags
  }

  /// Reads the descriptor at `index` of `table` (read from `fileOffset` of `path`).
  public init(_ table: [UInt8], index: Int = 0, path: String, fileOffset: UInt64) throws {
    let reader = FieldReader(
      bytes: table, path: path, fileOffset: fileOffset, structure: "page_desc")
    let at = index * Self.size
    offset = try reader.i64(at, "offset")
    size = try reader.u32(at + 8, "size")
    flags = try reader.u32(at + 12, "flags")
    pageFlags = try reader.u64(at + 16, "page_flags")
  }

  /// Stores the descriptor at `index` of `table` (grown when shorter).
  public func encode(into table: inout [UInt8], index: Int = 0) {
    let at = index * Self.size
    table.storeLittleEndian(offset, at: at)
    table.storeLittleEndian(size, at: at + 8)
    table.storeLittleEndian(flags, at: at + 12)
    table.storeLittleEndian(pageFlags, at: at + 16)
  }
}
