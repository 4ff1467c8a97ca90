import Dump

/// A byte source that notes which file pages are read while `recording` is on:
/// the pages the log reader and the crash scene needed (page tables, the printk
/// ring, init_uts_ns), which the writer saves first.
public final class ReadRecorder: ByteSource, @unchecked Sendable {
  let base: any ByteSource
  public var name: String { base.name }
  public var size: UInt64 { base.size }
  /// File offsets divided by 4096.
  public private(set) var pages = Set<UInt64>()
  public var recording = false

  public init(_ base: any ByteSource) { self.base = base }

  public func copyBytes(at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer) throws
  {
    if recording, count > 0 {
      for page in offset / 4096...(offset + UInt64(count) - 1) / 4096 { pages.insert(page) }
    }
    try base.copyBytes(at: offset, count: count, into: destination)
  }

  /// The page frames of an ELF vmcore the recorded file pages hold.
  public func frames(in elf: ElfVmcore) -> [UInt64] {
    let pageSize = UInt64(elf.pageSize)
    var frames = Set<UInt64>()
    for page in pages {
      let offset = page * 4096
      for segment in elf.segments
      where offset >= segment.fileOffset && offset - segment.fileOffset < segment.fileSize {
        frames.insert((segment.physical + offset - segment.fileOffset) / pageSize)
      }
    }
    return frames.sorted()
  }
}
