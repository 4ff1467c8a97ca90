import Bytes

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a dump is written: positioned writes, so that the descriptor table and the
/// page data grow from two cursors (vmcore-format.md §7.6). Tests put a failing
/// output in its place to see what a full disk leaves.
public protocol DumpOutput: AnyObject {
  var name: String { get }
  /// Writes all of `bytes` at `offset`, or throws `CaptureError.write`.
  func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws
  /// Asks the file system for the blocks of `[0, size)` now (posix_fallocate), so
  /// that the header, bitmaps and descriptors can still be written when data fills
  /// the disk. Best effort.
  func reserve(_ size: UInt64)
  /// Flushes to the device (fsync).
  func synchronize() throws
}

extension DumpOutput {
  public func write(_ bytes: [UInt8], at offset: UInt64) throws {
    try bytes.withUnsafeBytes { try write($0, at: offset) }
  }
}

/// A regular file written with pwrite(2).
///
/// Writeback starts behind the writes (sync_file_range(2), SYNC_FILE_RANGE_WRITE, every
/// `writeBehind` bytes): the device writes while pages are compressed, and the fsync
/// that ends a capture waits for the last few MiB, not the whole dump. It measured 8 ms
/// of a 0.32 s capture of the lab's 6.1 dump (-d 31, 16 MB) waiting in that fsync. The
/// call only starts I/O on pages already dirty, as the kernel's flusher would later.
public final class FileDumpOutput: DumpOutput {
  public let name: String
  let descriptor: Int32
  static let writeBehind = 4 << 20
  private var unsynchronized = 0

  // sync_file_range(fd, offset, nbytes, flags) -> int (fs/sync.c); glibc has it, the
  // Swift Glibc module does not import it.
  typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
  static let syncFileRange: SyncFileRange? = SharedLibrary(["libc.so.6"])?.function("sync_file_range")
  /// SYNC_FILE_RANGE_WRITE (include/uapi/linux/fs.h).
  static let startWriteback: UInt32 = 2

  /// Creates (or, with `truncate: false`, opens for resuming) `path`.
  public init(path: String, truncate: Bool = true) throws {
    name = path
    let flags = O_WRONLY | O_CREAT | (truncate ? O_TRUNC : 0) | O_CLOEXEC
    descriptor = open(path, flags, 0o644)
    guard descriptor >= 0 else { throw CaptureError.create(path: path, errno: errno) }
  }

  deinit { close(descriptor) }

  public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
    var done = 0
    while done < bytes.count {
      let wrote = pwrite(
        descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
      if wrote > 0 {
        done += wrote
        unsynchronized += wrote
      } else if wrote < 0 && errno == EINTR {
        continue
      } else {
        throw CaptureError.write(
          path: name, offset: offset + UInt64(done), errno: wrote == 0 ? ENOSPC : errno)
      }
    }
    if unsynchronized >= Self.writeBehind { startWriteback() }
  }

  /// Starts writeback of what was written so far, without waiting for it. Best effort:
  /// a file system without sync_file_range writes back later, as the flusher would.
  func startWriteback() {
    _ = Self.syncFileRange?(descriptor, 0, 0, Self.startWriteback)
    unsynchronized = 0
  }

  public func reserve(_ size: UInt64) {
    _ = posix_fallocate(descriptor, 0, off_t(size))
  }

  public func synchronize() throws {
    guard fsync(descriptor) == 0 else { throw CaptureError.write(path: name, offset: 0, errno: errno) }
  }
}
