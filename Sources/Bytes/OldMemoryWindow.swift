import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// /proc/vmcore read through mapped windows of 4 MiB, moved as the reads move, instead
/// of pread(2). In the capture kernel, read(2) of /proc/vmcore copies the dead kernel's
/// memory one page at a time, each page mapped and unmapped on its own
/// (fs/proc/vmcore.c `read_from_oldmem`; arch/x86/kernel/crash_dump_64.c
/// `__copy_oldmem_page`, an ioremap_cache and iounmap per page), while mmap(2) maps a
/// whole range in one call (`mmap_vmcore`, remap_pfn_range). Linux 3.11 added that for
/// makedumpfile, which reads /proc/vmcore through 4 MiB windows by default. Frames that
/// are not RAM read as zeros either way (`remap_oldmem_pfn_checked`, `pfn_is_ram`).
///
/// Not for regular files: from the page cache, pread(2) of 2 MiB runs measured about
/// twice as fast as mapping, copying and unmapping them (590 MB of the lab's 6.1 vmcore).
final class OldMemoryWindow: Sendable {
  static let size: UInt64 = 4 << 20
  /// Windows kept at once: a capture's threads each read their own chunk of frames, and
  /// with one window apiece they do not move each other's.
  static let count = 4

  private struct Mapped {
    var start: UInt64
    var length: Int
    var address: UInt
    var lastUse: UInt64
  }
  private struct State {
    var mapped: [Mapped] = []
    var uses: UInt64 = 0
    /// The kernel does not map this file at all (before 3.11, or not /proc/vmcore).
    var refused = false
  }
  private let state = Mutex(State())
  private let descriptor: Int32
  /// The end of the file's last whole page: mmap_vmcore refuses a range past the file's
  /// size, so a last partial page is read with pread(2).
  private let mappableEnd: UInt64
  private let page: UInt64

  init(descriptor: Int32, size: UInt64) {
    self.descriptor = descriptor
    page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
    mappableEnd = size / page * page
  }

  deinit {
    state.withLock { state in
      for mapped in state.mapped {
        munmap(UnsafeMutableRawPointer(bitPattern: mapped.address), mapped.length)
      }
    }
  }

  /// Copies `count` bytes at `offset` into `target` through a window, mapping one (in
  /// place of the least recently used) when none holds the range; false when the range
  /// cannot be mapped (the caller reads with pread(2)). The copy holds the lock.
  func copy(at offset: UInt64, count: Int, into target: UnsafeMutableRawPointer) -> Bool {
    let end = offset + UInt64(count)
    return state.withLock { state in
      state.uses &+= 1
      if let index = state.mapped.firstIndex(where: {
        offset >= $0.start && end <= $0.start + UInt64($0.length)
      }) {
        state.mapped[index].lastUse = state.uses
        let mapped = state.mapped[index]
        target.copyMemory(
          from: UnsafeRawPointer(bitPattern: mapped.address)! + Int(offset - mapped.start), byteCount: count)
        return true
      }
      guard !state.refused, end <= mappableEnd else { return false }
      if state.mapped.count == Self.count,
        let oldest = state.mapped.indices.min(by: { state.mapped[$0].lastUse < state.mapped[$1].lastUse })
      {
        munmap(UnsafeMutableRawPointer(bitPattern: state.mapped[oldest].address), state.mapped[oldest].length)
        state.mapped.remove(at: oldest)
      }
      let start = offset / Self.size * Self.size
      let stop = min(max(start + Self.size, (end + page - 1) / page * page), mappableEnd)
      let length = Int(stop - start)
      guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, off_t(start)), base != MAP_FAILED
      else {
        // EINVAL may be this range alone; anything else, the file as a whole.
        state.refused = errno != EINVAL
        return false
      }
      state.mapped.append(
        Mapped(start: start, length: length, address: UInt(bitPattern: base), lastUse: state.uses))
      target.copyMemory(from: base + Int(offset - start), byteCount: count)
      return true
    }
  }
}

extension FileBytes {
  /// True when `descriptor` is a file of /proc (on the device /proc is mounted from),
  /// where reads copy through the kernel page by page.
  static func isProcFile(_ descriptor: Int32) -> Bool {
    var file = stat()
    var proc = stat()
    return fstat(descriptor, &file) == 0 && stat("/proc", &proc) == 0 && file.st_dev == proc.st_dev
  }
}
