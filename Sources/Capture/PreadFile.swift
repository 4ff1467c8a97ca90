import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A vmcore read with pread(2) only, never mapped: a capture reads each page once,
/// and pages of a mapping would count against the capture kernel's small memory
/// (and show as the process's resident size) until dropped.
public final class PreadFile: ByteSource, @unchecked Sendable {
  public let name: String
  public let size: UInt64
  private let descriptor: Int32

  public init(path: String) throws {
    name = path
    descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw DumpError.cannotOpen(path: path, errno: errno) }
    let end = lseek(descriptor, 0, SEEK_END)
    guard end >= 0 else {
      let number = errno
      close(descriptor)
      throw DumpError.cannotOpen(path: path, errno: number)
    }
    size = UInt64(end)
    // The pages are read once, in order: read ahead, and do not keep them cached.
    _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
  }

  deinit { close(descriptor) }

  public func copyBytes(at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer) throws
  {
    guard count >= 0, contains(offset: offset, count: UInt64(count)), destination.count >= count else {
      throw DumpError.truncated(path: name, offset: offset, expected: "\(count) bytes")
    }
    guard count > 0, let target = destination.baseAddress else { return }
    var done = 0
    while done < count {
      let got = pread(descriptor, target + done, count - done, off_t(offset) + off_t(done))
      if got > 0 {
        done += got
      } else if got < 0 && errno == EINTR {
        continue
      } else {
        throw DumpError.pageMissing(
          address: offset + UInt64(done), reason: "\(name): read failed (errno \(got < 0 ? errno : 0))")
      }
    }
  }
}
