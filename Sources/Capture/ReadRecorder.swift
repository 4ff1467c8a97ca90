import Dump

/// A byte source that notes which file pages are read while `recording` is on:
/// the pages the log reader and the crash scene needed (page tables, the printk
/// ring, init_uts_ns), which the writer saves first.
public final class ReadRecorder: ByteSource, @unchecked Sendable {
  let base: any ByteSource
  public var name: String { base.name }
  public var size: UInt64 { base.size }
  /// File offsets divided by `pageSize`.
  public private(set) var pages = Set<UInt64>()
  public let pageSize: UInt64 = 4096
  public var recording = false

  public init(_ base: any ByteSource) { self.base = base }

  public func copyBytes(at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer) throws
  {
    if recording, count > 0 {
      for page in offset / pageSize...(offset + UInt64(count) - 1) / pageSize { pages.insert(page) }
    }
    try base.copyBytes(at: offset, count: count, into: destination)
  }
}
