#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A few windows of a file mapped at a time, moved along as the file is read: how a
/// capture reads /proc/vmcore. read(2) of /proc/vmcore maps and unmaps each page of the old
/// kernel's memory on its own (fs/proc/vmcore.c read_from_oldmem -> copy_oldmem_page,
/// which on x86 ioremaps one page: arch/x86/kernel/crash_dump_64.c), while mmap(2) of it
/// (mmap_vmcore, Linux 3.11 and later) maps a whole range of old memory at once and no
/// page of it is page cache. A window is makedumpfile's size (4 MiB, its mmap region).
/// There are four, the least recently used moved: the filter's reads go back and forth
/// between page tables and page descriptors far apart, and one window moved at each turn
/// would map 4 MiB for every few bytes read. Four windows' page tables take 32 KiB of the
/// capture kernel's memory whatever the machine's RAM.
///
/// Copies hold a lock: the capture's workers read from several threads, and a window
/// must not move while another thread copies from it. A copy is a memcpy; the
/// compression beside it is what takes the time.
final class MappedWindow: @unchecked Sendable {
  static let size = 4 << 20
  static let count = 4

  private struct Slot {
    var base: UnsafeMutableRawPointer
    var start: UInt64
    var length: Int
    var used: UInt64
  }

  private let descriptor: Int32
  private let fileSize: UInt64
  /// `size`, or smaller in tests (a multiple of the page size).
  let windowSize: Int
  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private var slots: [Slot] = []
  /// Windows mapped so far (tests count the moves).
  private(set) var mappings = 0
  private var clock: UInt64 = 0
  /// The windows mmap(2) refused (a kernel without mmap of /proc/vmcore; mmap_vmcore
  /// answers EAGAIN for any range it cannot map, seen on the lab's 6.1 capture kernel for
  /// one window of old memory): their reads go through pread(2), the other windows stay.
  private var refused: Set<UInt64> = []
  /// How many windows were refused, and why the first was: its offset and length, and
  /// errno's text.
  var refusedCount: Int { refused.count }
  private(set) var failure: String?

  init(descriptor: Int32, fileSize: UInt64, windowSize: Int = MappedWindow.size) {
    self.descriptor = descriptor
    self.fileSize = fileSize
    self.windowSize = windowSize
    slots.reserveCapacity(Self.count)
    pthread_mutex_init(lock, nil)
  }

  deinit {
    for slot in slots { munmap(slot.base, slot.length) }
    pthread_mutex_destroy(lock)
    lock.deallocate()
  }

  /// Copies `count` bytes at `offset` (inside the file) to `target`; false when a window
  /// it needs could not be mapped (the caller then reads the range with pread(2)).
  func copy(at offset: UInt64, count: Int, into target: UnsafeMutableRawPointer) -> Bool {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    var done = 0
    while done < count {
      let at = offset + UInt64(done)
      guard let index = slotIndex(holding: at) ?? map(at) else { return false }
      clock += 1
      slots[index].used = clock
      let slot = slots[index]
      let within = Int(at - slot.start)
      let take = min(count - done, slot.length - within)
      (target + done).copyMemory(from: slot.base + within, byteCount: take)
      done += take
    }
    return true
  }

  private func slotIndex(holding offset: UInt64) -> Int? {
    slots.firstIndex { offset >= $0.start && offset - $0.start < UInt64($0.length) }
  }

  /// Maps the window that holds `offset` into a free slot or, once it is mapped, in place
  /// of the least recently used one (a refused window unmaps none). A window is aligned
  /// to its size (a multiple of every page size) and cut at the end of the file:
  /// mmap_vmcore refuses a mapping that passes the end of /proc/vmcore.
  private func map(_ offset: UInt64) -> Int? {
    let start = offset / UInt64(windowSize) * UInt64(windowSize)
    guard !refused.contains(start) else { return nil }
    let length = Int(min(UInt64(windowSize), fileSize - start))
    guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, off_t(start)), base != MAP_FAILED
    else {
      if failure == nil {
        failure = "mmap of \(length) bytes at offset \(start) failed: \(String(cString: strerror(errno)))"
      }
      refused.insert(start)
      return nil
    }
    mappings += 1
    let slot = Slot(base: base, start: start, length: length, used: clock)
    guard slots.count == Self.count, let oldest = slots.indices.min(by: { slots[$0].used < slots[$1].used })
    else {
      slots.append(slot)
      return slots.count - 1
    }
    munmap(slots[oldest].base, slots[oldest].length)
    slots[oldest] = slot
    return oldest
  }
}
