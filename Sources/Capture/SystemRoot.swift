import Glibc

/// A file system tree read as if it were `/`: the live machine, or a tree captured from one
/// (procfs and sysfs files copied as text) so tests and offline checks see the same paths.
///
/// procfs and sysfs files report a size of 0 or 4096 whatever they hold, so every read
/// loops on read(2) until end of file instead of trusting stat(2).
public struct SystemRoot: Sendable, Equatable {
  /// The directory that stands for `/`.
  public var directory: String
  /// When set, every read is noted so the tree can be saved (`doctor --save-tree`).
  public var recorder: SystemTreeRecorder?

  public init(_ directory: String = "/", recorder: SystemTreeRecorder? = nil) {
    self.directory = directory
    self.recorder = recorder
  }

  public static func == (lhs: SystemRoot, rhs: SystemRoot) -> Bool {
    lhs.directory == rhs.directory && lhs.recorder === rhs.recorder
  }

  /// The real path of `path` (an absolute path on the machine) under this root.
  /// Symbolic links inside the tree are followed as the captured machine would follow
  /// them, within the tree: an absolute target starts again at the root and `..` stops
  /// at it (openat2(2)'s RESOLVE_IN_ROOT), so no link leads a check onto this host.
  public func resolve(_ path: String) -> String {
    if directory == "/" { return path }
    let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    return base + (Self.withinRoot(path, base: base) ?? Self.unresolvable)
  }

  /// A name that stands for a path whose links loop: nothing is there.
  static let unresolvable = "/.coroner-symlink-loop"

  /// `path` with every link under `base` replaced by its target, relative to `base`;
  /// nil after 40 links (the kernel's own limit, ELOOP).
  static func withinRoot(_ path: String, base: String) -> String? {
    var pending = path.split(separator: "/").map(String.init)
    var resolved: [String] = []
    var links = 0
    var info = stat()
    while !pending.isEmpty {
      let part = pending.removeFirst()
      if part == "." { continue }
      if part == ".." {
        _ = resolved.popLast()
        continue
      }
      let candidate = base + "/" + (resolved + [part]).joined(separator: "/")
      guard lstat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else {
        resolved.append(part)
        continue
      }
      links += 1
      guard links <= 40, let target = readLink(candidate) else { return nil }
      if target.hasPrefix("/") { resolved = [] }
      pending = target.split(separator: "/").map(String.init) + pending
    }
    return "/" + resolved.joined(separator: "/")
  }

  static func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The bytes of a file, or nil when it is absent or unreadable. `limit` stops runaway
  /// reads of files that never end.
  /// Only regular files are read: a FIFO with no writer would block the read forever
  /// and a device would never end, so both count as unreadable.
  public func bytes(_ path: String, limit: Int = 64 << 20) -> [UInt8]? {
    let fd = open(resolve(path), O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while result.count < limit {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if count == 0 { break }
      result.append(contentsOf: chunk[0..<count])
    }
    recorder?.note(.file(path, result))
    return result
  }

  /// The text of a file, or nil when it is absent or unreadable.
  public func text(_ path: String) -> String? {
    bytes(path).map { String(decoding: $0, as: UTF8.self) }
  }

  /// The text of a one-value file (a sysctl, a sysfs attribute) without its newline.
  public func value(_ path: String) -> String? {
    text(path).map { $0.trimmingWhitespace() }
  }

  /// What a check read: the path and its value (nil when absent).
  public func reading(_ path: String) -> Reading {
    Reading(path: path, value: value(path))
  }

  public func exists(_ path: String) -> Bool {
    let found = access(resolve(path), F_OK) == 0
    if found { recorder?.note(.exists(path, directory: isDirectory(path))) }
    return found
  }

  public func isDirectory(_ path: String) -> Bool {
    var info = stat()
    let found = stat(resolve(path), &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    if found { recorder?.note(.exists(path, directory: true)) }
    return found
  }

  /// The size of a regular file in bytes, or nil.
  public func fileSize(_ path: String) -> UInt64? {
    var info = stat()
    guard stat(resolve(path), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    recorder?.note(.size(path, UInt64(info.st_size), modified: Int(info.st_mtim.tv_sec)))
    return UInt64(info.st_size)
  }

  /// The modification time of a file, in seconds since the epoch, or nil.
  public func modificationTime(_ path: String) -> Int? {
    var info = stat()
    guard stat(resolve(path), &info) == 0 else { return nil }
    if (info.st_mode & S_IFMT) == S_IFREG {
      recorder?.note(.size(path, UInt64(info.st_size), modified: Int(info.st_mtim.tv_sec)))
    }
    return Int(info.st_mtim.tv_sec)
  }

  /// The names in a directory, sorted, without `.` and `..`; empty when absent.
  public func list(_ path: String) -> [String] {
    guard let dir = opendir(resolve(path)) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    recorder?.note(.list(path, names.sorted()))
    return names.sorted()
  }

  /// Free and total bytes of the file system holding `path` (statvfs(3)), for the
  /// unprivileged user's view of free space (f_bavail).
  ///
  /// A tree captured from another machine cannot answer statvfs for that machine, so a
  /// file `/.coroner-statvfs` at the root may carry lines `PATH FREE_BYTES TOTAL_BYTES`;
  /// the longest PATH that is a prefix of `path` answers.
  public func fileSystemSpace(_ path: String) -> FileSystemSpace? {
    if let table = text("/.coroner-statvfs") {
      let rows = table.split(separator: "\n").compactMap { line -> (String, FileSystemSpace)? in
        let fields = line.split(separator: " ")
        guard fields.count == 3, let free = UInt64(fields[1]), let total = UInt64(fields[2]) else {
          return nil
        }
        return (String(fields[0]), FileSystemSpace(freeBytes: free, totalBytes: total))
      }
      return rows.filter { path.isInside($0.0) }.max { $0.0.count < $1.0.count }?.1
    }
    var info = statvfs()
    guard statvfs(resolve(path), &info) == 0 else { return nil }
    let unit = UInt64(info.f_frsize)
    let space = FileSystemSpace(
      freeBytes: UInt64(info.f_bavail) * unit, totalBytes: UInt64(info.f_blocks) * unit)
    recorder?.note(.space(path, space))
    return space
  }

  /// Writes a value to a sysctl or sysfs file, as `echo VALUE > PATH` does.
  public func write(_ value: String, to path: String) throws(SystemWriteError) {
    let fd = open(resolve(path), O_WRONLY | O_CLOEXEC | O_TRUNC)
    guard fd >= 0 else { throw SystemWriteError(path: path, value: value, errno: errno) }
    defer { close(fd) }
    let bytes = Array((value + "\n").utf8)
    let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else {
      throw SystemWriteError(path: path, value: value, errno: written < 0 ? errno : EIO)
    }
  }
}

extension SystemRoot {
  /// Creates or replaces a regular file, making its directories.
  public func createFile(_ path: String, contents: String) throws(SystemWriteError) {
    try createFile(path, bytes: Array(contents.utf8))
  }

  /// Creates or replaces a regular file, making its directories.
  public func createFile(_ path: String, bytes: [UInt8]) throws(SystemWriteError) {
    try Self.makeDirectories(resolve(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])))
    let fd = open(resolve(path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SystemWriteError(path: path, value: "(\(bytes.count) bytes)", errno: errno) }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else {
        throw SystemWriteError(path: path, value: "(\(bytes.count) bytes)", errno: written < 0 ? errno : EIO)
      }
      offset += written
    }
  }

  /// `mkdir -p` of a real path (not one under a root).
  public static func makeDirectories(_ path: String) throws(SystemWriteError) {
    var directory = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      directory += "/" + part
      if mkdir(directory, 0o755) != 0 && errno != EEXIST {
        throw SystemWriteError(path: directory, value: "(directory)", errno: errno)
      }
    }
  }

  /// Removes a file if it is there.
  public func remove(_ path: String) {
    unlink(resolve(path))
  }
}

/// What a check read: a path on the machine and its value, nil when absent or unreadable.
public struct Reading: Sendable, Equatable, Codable {
  public var path: String
  public var value: String?

  public init(path: String, value: String?) {
    self.path = path
    self.value = value
  }
}

public struct FileSystemSpace: Sendable, Equatable {
  public var freeBytes: UInt64
  public var totalBytes: UInt64
}

/// A write to procfs or sysfs that the kernel refused.
public struct SystemWriteError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  public var value: String
  public var errno: Int32

  public var description: String {
    // 524 is the kernel's internal ENOTSUPP, which some sysctls return as is.
    let reason =
      errno == 524 ? "not supported by this kernel or machine (ENOTSUPP)" : String(cString: strerror(errno))
    return "cannot write '\(value)' to \(path): \(reason)"
  }
}

extension String {
  func trimmingWhitespace() -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(self[start...end])
  }

  /// Whether this absolute path is `directory` or lies below it.
  func isInside(_ directory: String) -> Bool {
    if directory == "/" { return hasPrefix("/") }
    return self == directory || hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
  }
}
