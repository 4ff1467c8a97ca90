#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only memory-mapped file (mmap(2)). The kernel pages it in on demand and can
/// drop clean pages at will, so memory stays flat whatever the dump's size.
public final class MappedFile: ByteSource, @unchecked Sendable {
  public let name: String
  public let size: UInt64
  private let base: UnsafeRawPointer?
  private let descriptor: Int32
  /// Reads this large go through pread(2): a sequential pass (the flattened index)
  /// then neither faults pages in one by one nor keeps them mapped.
  static let preadThreshold = 64 << 10

  /// Maps `path` read-only. An empty file maps to nothing and reads as truncated.
  public init(path: String) throws {
    name = path
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw DumpError.cannotOpen(path: path, errno: errno) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let error = errno
      close(descriptor)
      throw DumpError.cannotOpen(path: path, errno: error)
    }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
      close(descriptor)
      throw DumpError.unsupported(path: path, what: "not a regular file")
    }
    self.descriptor = descriptor
    size = UInt64(status.st_size)
    if size == 0 {
      base = nil
      return
    }
    let mapped = mmap(nil, Int(size), PROT_READ, MAP_PRIVATE, descriptor, 0)
    guard let mapped, mapped != MAP_FAILED else {
      let error = errno
      close(descriptor)
      throw DumpError.cannotOpen(path: path, errno: error)
    }
    // Dumps are read mostly in random order (page tables, ring buffer arrays).
    _ = madvise(mapped, Int(size), MADV_RANDOM)
    base = UnsafeRawPointer(mapped)
  }

  deinit {
    if let base { munmap(UnsafeMutableRawPointer(mutating: base), Int(size)) }
    close(descriptor)
  }

  public func copyBytes(
    at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer
  )
    throws
  {
    guard count >= 0, contains(offset: offset, count: UInt64(count)), destination.count >= count else {
      throw DumpError.truncated(path: name, offset: offset, expected: "\(count) bytes")
    }
    guard count > 0, let base, let target = destination.baseAddress else { return }
    if count >= Self.preadThreshold {
      var done = 0
      while done < count {
        let got = pread(descriptor, target + done, count - done, off_t(offset) + off_t(done))
        if got > 0 {
          done += got
        } else if got < 0 && errno == EINTR {
          continue
        } else {
          break
        }
      }
      if done == count { return }
      // A failed pread (rare) falls back to the mapping for the rest.
      (target + done).copyMemory(from: base + Int(offset) + done, byteCount: count - done)
      return
    }
    target.copyMemory(from: base + Int(offset), byteCount: count)
  }

  /// Drops the mapped pages of a range from this process (madvise MADV_DONTNEED):
  /// they are file-backed, so a later read maps them again.
  public func release(offset: UInt64, count: UInt64) {
    guard let base, offset < size else { return }
    let page: UInt64 = 4096
    let start = (offset + page - 1) / page * page
    let end = min(size, offset + count) / page * page
    guard start < end else { return }
    _ = madvise(UnsafeMutableRawPointer(mutating: base + Int(start)), Int(end - start), MADV_DONTNEED)
  }

  /// Direct access to a mapped range, for scans that must not copy.
  func withBytes<R>(at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    guard count >= 0, contains(offset: offset, count: UInt64(count)), let base else {
      throw DumpError.truncated(path: name, offset: offset, expected: "\(count) bytes")
    }
    return try body(UnsafeRawBufferPointer(start: base + Int(offset), count: count))
  }
}
