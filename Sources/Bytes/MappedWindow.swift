#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One window of a file mapped at a time, moved along as the file is read: how a capture
/// reads /proc/vmcore. read(2) of /proc/vmcore maps and unmaps each page of the old
/// kernel's memory on its own (fs/proc/vmcore.c read_from_oldmem -> copy_oldmem_page,
/// which on x86 ioremaps one page: arch/x86/kernel/crash_dump_64.c), while mmap(2) of it
/// (mmap_vmcore, Linux 3.11 and later) maps a whole range of old memory at once and no
/// page of it is page cache. The window is makedumpfile's size (4 MiB, its mmap region),
/// so a capture kernel's page tables hold 8 KiB for it whatever the machine's RAM.
///
/// Copies hold a lock: the capture's workers read from several threads, and a window
/// must not move while another thread copies from it. A copy is a memcpy; the
/// compression beside it is what takes the time.
final class MappedWindow: @unchecked Sendable {
  static let size = 4 << 20

  private let descriptor: Int32
  private let fileSize: UInt64
  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private var base: UnsafeMutableRawPointer?
  private var start: UInt64 = 0
  private var length = 0
  /// Set when mmap(2) fails (a kernel without mmap of /proc/vmcore, a file system
  /// without mmap): the caller reads with pread(2) from then on.
  private(set) var failed = false

  init(descriptor: Int32, fileSize: UInt64) {
    self.descriptor = descriptor
    self.fileSize = fileSize
    pthread_mutex_init(lock, nil)
  }

  deinit {
    if let base { munmap(base, length) }
    pthread_mutex_destroy(lock)
    lock.deallocate()
  }

  /// Copies `count` bytes at `offset` (inside the file) to `target`; false when a window
  /// could not be mapped, with nothing copied from that window on (`failed`).
  func copy(at offset: UInt64, count: Int, into target: UnsafeMutableRawPointer) -> Bool {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    var done = 0
    while done < count {
      let at = offset + UInt64(done)
      if base == nil || at < start || at >= start + UInt64(length) {
        guard move(to: at) else { return false }
      }
      let within = Int(at - start)
      let take = min(count - done, length - within)
      (target + done).copyMemory(from: base! + within, byteCount: take)
      done += take
    }
    return true
  }

  /// Maps the window that holds `offset`, aligned to the window's size (a multiple of
  /// every page size) and cut at the end of the file: mmap_vmcore refuses a mapping that
  /// passes the end of /proc/vmcore.
  private func move(to offset: UInt64) -> Bool {
    if let base { munmap(base, length) }
    base = nil
    guard !failed else { return false }
    let windowStart = offset / UInt64(Self.size) * UInt64(Self.size)
    let windowLength = Int(min(UInt64(Self.size), fileSize - windowStart))
    guard let mapped = mmap(nil, windowLength, PROT_READ, MAP_PRIVATE, descriptor, off_t(windowStart)),
      mapped != MAP_FAILED
    else {
      failed = true
      return false
    }
    base = mapped
    start = windowStart
    length = windowLength
    return true
  }
}
