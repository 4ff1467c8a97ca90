#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bytes of one file, read at any offset and bounds-checked at every read: the one
/// file reader of vmcores, vmlinux and module files, and console logs.
///
/// A regular file is mapped read-only (mmap(2)): the kernel pages it in on demand and
/// drops clean pages at will, so memory stays flat whatever the file's size. A file
/// that cannot be mapped (a filesystem without mmap, a block device) is read with
/// pread(2). FIFOs, character devices and sockets are refused: they have no offsets,
/// and a read could wait forever for a writer; a caller that wants a stream reads
/// it with `StreamBytes`.
public final class FileBytes: @unchecked Sendable {
  /// How the file will be read, which decides whether it is mapped and what the
  /// kernel is advised (madvise(2), posix_fadvise(2)).
  public enum Access: Sendable {
    /// Mapped, read in scattered places (page tables, DWARF units): no readahead.
    case random
    /// Mapped, read front to back (a log scan): readahead, and `release` behind.
    case scan
    /// Never mapped whole, each range read once: a capture copies /proc/vmcore page by
    /// page, and a whole mapping's pages would count against the capture kernel's small
    /// memory until dropped. Read with pread(2), or through a few moving mapped windows
    /// (`Windows`).
    case readOnce
  }

  /// Whether a `.readOnce` file is read through mapped windows (`MappedWindow`).
  public enum Windows: Sendable {
    /// A window for a file of procfs (/proc/vmcore, whose read(2) maps one page at a
    /// time), pread(2) for any other: a regular file's page cache serves pread well,
    /// and its mapped pages would count as this process's memory.
    case automatic
    /// pread(2) only, as makedumpfile's --non-mmap.
    case never
    /// Windows whatever the file system: tests of the windows on regular files (a
    /// regular file cut short while mapped would fault, SIGBUS, where pread(2) fails).
    case always
  }

  /// The path, as errors report it.
  public let name: String
  /// Number of readable bytes.
  public let size: UInt64
  /// The whole file when it is mapped; nil when it is read with pread(2).
  public let mapping: UnsafeRawBufferPointer?
  private let descriptor: Int32
  /// For `.readOnce`: the mapped windows reads go through, or nil for pread(2).
  private let window: MappedWindow?
  /// Whether reads go through mapped windows (those of a window mmap(2) refuses go
  /// through pread(2)).
  public var readsThroughWindow: Bool { window != nil }
  /// How many windows mmap(2) refused, and why the first was.
  public var windowsRefused: (count: Int, first: String?) { (window?.refusedCount ?? 0, window?.failure) }

  /// Keeps the mapped windows inside the file's regions, between `offsets` (the start
  /// and end of each PT_LOAD segment of /proc/vmcore): `MappedWindow` says why.
  public func cutWindows(at offsets: [UInt64], pageSize: Int) {
    window?.cut(at: offsets, pageSize: pageSize)
  }
  /// Reads this large from a mapping still go through pread(2): a sequential pass
  /// (a flattened dump's index) then neither faults pages in one by one nor keeps
  /// them mapped.
  static let preadThreshold = 64 << 10

  public convenience init(
    path: String, access: Access = .random, windows: Windows = .automatic
  )
    throws(BytesError)
  {
    try self.init(adopting: try Self.openDescriptor(path), path: path, access: access, windows: windows)
  }

  /// Opens `path` read-only. O_NONBLOCK: opening a FIFO without a writer would
  /// otherwise wait; FileBytes refuses it anyway, and StreamBytes polls. Regular files
  /// and block devices ignore the flag.
  static func openDescriptor(_ path: String) throws(BytesError) -> Int32 {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { throw systemError(path, "cannot open", errno) }
    return descriptor
  }

  /// Takes `descriptor` over (it is closed on error, and when the file goes).
  init(
    adopting descriptor: Int32, path: String, access: Access, windows: Windows = .automatic
  )
    throws(BytesError)
  {
    name = path
    do {
      size = try Self.randomAccessSize(descriptor, path)
    } catch {
      close(descriptor)
      throw error
    }
    self.descriptor = descriptor
    mapping = access == .readOnce ? nil : Self.map(descriptor, size: size, access: access)
    let windowed =
      access == .readOnce && size > 0
      && (windows == .always || (windows == .automatic && Self.isProcfs(descriptor)))
    window = windowed ? MappedWindow(descriptor: descriptor, fileSize: size) : nil
    if mapping == nil {
      _ = posix_fadvise(descriptor, 0, 0, access == .random ? POSIX_FADV_RANDOM : POSIX_FADV_SEQUENTIAL)
    }
  }

  deinit {
    if let base = mapping?.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), Int(size)) }
    close(descriptor)
  }

  /// The size of a regular file or block device; anything else is refused.
  private static func randomAccessSize(_ descriptor: Int32, _ path: String) throws(BytesError) -> UInt64 {
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw systemError(path, "cannot stat", errno) }
    switch status.st_mode & S_IFMT {
    case S_IFREG:
      return UInt64(max(0, status.st_size))
    case S_IFBLK:
      let end = lseek(descriptor, 0, SEEK_END)
      guard end >= 0 else { throw systemError(path, "cannot find the size of the block device", errno) }
      return UInt64(end)
    case S_IFDIR:
      throw BytesError(.unsupported, path: path, expected: "a file, found a directory", systemError: EISDIR)
    default:
      throw BytesError(
        .unsupported, path: path,
        expected: "a regular file or block device, found \(kindName(status.st_mode)) (no random access)")
    }
  }

  /// Whether the file lies on the file system mounted at /proc (procfs: /proc/vmcore).
  /// Compared by device number: Glibc's module has no statfs(2) to read the file
  /// system's magic number.
  static func isProcfs(_ descriptor: Int32) -> Bool {
    var file = stat()
    var proc = stat()
    return fstat(descriptor, &file) == 0 && stat("/proc", &proc) == 0 && file.st_dev == proc.st_dev
  }

  /// Whether the file at `path` lies on procfs (false when it cannot be opened).
  static func onProcfs(path: String) -> Bool {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return isProcfs(descriptor)
  }

  private static func kindName(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: return "a FIFO"
    case S_IFCHR: return "a character device"
    case S_IFSOCK: return "a socket"
    default: return "a special file"
    }
  }

  private static func map(_ descriptor: Int32, size: UInt64, access: Access) -> UnsafeRawBufferPointer? {
    guard size > 0, size <= UInt64(Int.max),
      let base = mmap(nil, Int(size), PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED
    else { return nil }
    _ = madvise(base, Int(size), access == .random ? MADV_RANDOM : MADV_SEQUENTIAL)
    return UnsafeRawBufferPointer(start: base, count: Int(size))
  }

  static func systemError(
    _ path: String, _ what: String, _ number: Int32, offset: UInt64? = nil
  ) -> BytesError {
    BytesError(
      .io, path: path, offset: offset, expected: "\(what): \(String(cString: strerror(number)))",
      systemError: number)
  }

  /// True when `count` bytes at `offset` are inside the file.
  public func contains(offset: UInt64, count: UInt64) -> Bool {
    offset <= size && count <= size - offset
  }

  /// Copies `count` bytes at `offset` into `destination` (which holds at least
  /// `count` bytes). Throws `.truncated` when the range passes the end of the file,
  /// `.io` when pread(2) fails or the file ends early (it shrank, or a special file
  /// stated a size it does not hold).
  public func copyBytes(
    at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer
  ) throws(BytesError) {
    guard count >= 0, contains(offset: offset, count: UInt64(count)), destination.count >= count else {
      throw BytesError(.truncated, path: name, offset: offset, expected: "\(count) bytes")
    }
    guard count > 0, let target = destination.baseAddress else { return }
    if let base = mapping?.baseAddress, count < Self.preadThreshold {
      target.copyMemory(from: base + Int(offset), byteCount: count)
      return
    }
    if let window, window.copy(at: offset, count: count, into: target) { return }
    var done = 0
    while done < count {
      let got = pread(descriptor, target + done, count - done, off_t(offset) + off_t(done))
      if got > 0 {
        done += got
      } else if got < 0 && errno == EINTR {
        continue
      } else if let base = mapping?.baseAddress {
        // A failed pread (rare) falls back to the mapping for the rest.
        (target + done).copyMemory(from: base + Int(offset) + done, byteCount: count - done)
        return
      } else if got == 0 {
        throw BytesError(
          .io, path: name, offset: offset + UInt64(done),
          expected: "\(count - done) more bytes: the file ends early")
      } else {
        throw Self.systemError(name, "read failed", errno, offset: offset + UInt64(done))
      }
    }
  }

  /// The `count` bytes at `offset`.
  public func read(at offset: UInt64, count: Int) throws(BytesError) -> [UInt8] {
    guard count >= 0, contains(offset: offset, count: UInt64(count)) else {
      throw BytesError(.truncated, path: name, offset: offset, expected: "\(count) bytes")
    }
    var result = [UInt8](repeating: 0, count: count)
    var failure: BytesError?
    result.withUnsafeMutableBytes { buffer in
      do throws(BytesError) { try copyBytes(at: offset, count: count, into: buffer) } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    return result
  }

  /// Changes how the file is expected to be read from now on (madvise(2), or
  /// posix_fadvise(2) when it is not mapped): a file first scanned for its format and
  /// then read as a dump is read in scattered places.
  public func advise(_ access: Access) {
    let random = access == .random
    if let base = mapping?.baseAddress {
      _ = madvise(UnsafeMutableRawPointer(mutating: base), Int(size), random ? MADV_RANDOM : MADV_SEQUENTIAL)
    } else {
      _ = posix_fadvise(descriptor, 0, 0, random ? POSIX_FADV_RANDOM : POSIX_FADV_SEQUENTIAL)
    }
  }

  /// A hint that a range will not be read again soon: its mapped pages leave this
  /// process (madvise MADV_DONTNEED; they are file-backed, so a later read maps them
  /// again). Nothing to do for a file read with pread(2).
  public func release(offset: UInt64, count: UInt64) {
    guard let base = mapping?.baseAddress, offset < size else { return }
    let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
    let start = (offset + page - 1) / page * page
    let end = min(size, offset &+ count) / page * page
    guard start < end else { return }
    _ = madvise(UnsafeMutableRawPointer(mutating: base + Int(start)), Int(end - start), MADV_DONTNEED)
  }

  /// The whole file as a `ByteView` that keeps the file open: its mapping, or, when
  /// the file cannot be mapped, its bytes read into memory.
  public func view() throws(BytesError) -> ByteView {
    if let mapping {
      let storage = ByteStorage(base: mapping.baseAddress, count: mapping.count, isMapped: true) { [self] in
        _ = self
      }
      return ByteView(storage: storage, name: name)
    }
    guard size <= UInt64(Int.max) else {
      throw BytesError(.unsupported, path: name, expected: "a file smaller than \(Int.max) bytes")
    }
    return ByteView(bytes: try read(at: 0, count: Int(size)), name: name)
  }
}
