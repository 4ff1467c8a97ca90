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
/// A window stays inside one region of the file when told where they lie (`cut`): the
/// PT_LOAD segments of /proc/vmcore. mmap_vmcore (fs/proc/vmcore.c) remaps a window one
/// segment at a time, and on x86 a remap of part of a mapping passes the page attribute
/// check only if every page of it has one memory type (track_pfn_remap,
/// arch/x86/mm/pat/memtype.c). The segment of the first 640 KiB fails it: its pages are
/// RAM of the capture kernel too (its e820 lists 0x1000-0x9fbff usable) but for the last
/// one, which the segment holds whole. mmap_vmcore then answers EAGAIN. Seen in the lab's
/// 6.1 and 6.12 capture kernels for the window that held that segment (after the kernel
/// text's), and gone once windows were cut at the segments: a window inside one segment
/// is remapped whole, and the path for a whole mapping looks at its first page alone.
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
  /// Where the file's regions start and end, sorted: no window crosses one (`cut`).
  private var boundaries: [UInt64] = []
  /// The windows mmap(2) refused (a kernel without mmap of /proc/vmcore; mmap_vmcore
  /// answers EAGAIN for any range it cannot map, as it did for windows across segments
  /// before `cut`): their reads go through pread(2), the other windows stay.
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

  /// Keeps every window from now on inside the regions between `offsets` (file offsets,
  /// rounded up to `pageSize`: mmap(2) maps whole pages, and /proc/vmcore holds a
  /// segment's last page whole, its end rounded up to the next segment's start).
  func cut(at offsets: [UInt64], pageSize: Int) {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    let page = UInt64(pageSize)
    boundaries = Set(offsets.map { ($0 + page - 1) / page * page }).sorted()
  }

  /// The window that holds `offset`: aligned to the window size, cut at the end of the
  /// file (mmap_vmcore refuses a mapping past it) and at the regions' boundaries.
  func range(holding offset: UInt64) -> (start: UInt64, length: Int) {
    var start = offset / UInt64(windowSize) * UInt64(windowSize)
    var end = min(start + UInt64(windowSize), fileSize)
    if let below = boundaries.last(where: { $0 <= offset }) { start = max(start, below) }
    if let above = boundaries.first(where: { $0 > offset }) { end = min(end, above) }
    return (start, Int(end - start))
  }

  private func slotIndex(holding offset: UInt64) -> Int? {
    slots.firstIndex { offset >= $0.start && offset - $0.start < UInt64($0.length) }
  }

  /// Maps the window that holds `offset` (`range`) into a free slot or, once it is
  /// mapped, in place of the least recently used one (a refused window unmaps none).
  private func map(_ offset: UInt64) -> Int? {
    let (start, length) = range(holding: offset)
    guard !refused.contains(start) else { return nil }
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
