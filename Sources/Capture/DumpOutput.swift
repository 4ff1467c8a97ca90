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
public final class FileDumpOutput: DumpOutput {
  public let name: String
  let descriptor: Int32

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
      } else if wrote < 0 && errno == EINTR {
        continue
      } else {
        throw CaptureError.write(
          path: name, offset: offset + UInt64(done), errno: wrote == 0 ? ENOSPC : errno)
      }
    }
  }

  public func reserve(_ size: UInt64) {
    _ = posix_fallocate(descriptor, 0, off_t(size))
  }

  public func synchronize() throws {
    guard fsync(descriptor) == 0 else { throw CaptureError.write(path: name, offset: 0, errno: errno) }
  }
}
