import Glibc

/// Notes what a check read from a live root, so the same reads can be replayed from a
/// saved tree: a lab guest or a fleet host saves what `doctor` saw, and tests and offline
/// checks read it back with `--root`. Only what was read is saved; large files that were
/// only measured become sparse files of the same size and time.
///
/// Not thread-safe: one `doctor` run reads from one thread.
public final class SystemTreeRecorder: @unchecked Sendable {
  public enum Access: Sendable, Equatable {
    case file(String, [UInt8])
    case exists(String, directory: Bool)
    case size(String, UInt64, modified: Int)
    case list(String, [String])
    case space(String, FileSystemSpace)
  }

  public private(set) var accesses: [Access] = []

  public init() {}

  func note(_ access: Access) {
    accesses.append(access)
  }

  /// Writes everything read into `directory`, laid out as the machine's `/`.
  public func save(from live: SystemRoot, to directory: String) throws(SystemWriteError) {
    let tree = SystemRoot(directory)
    try SystemRoot.makeDirectories(directory)
    var written: Set<String> = []
    for case .file(let path, let bytes) in accesses where !written.contains(path) {
      try tree.createFile(path, bytes: bytes)
      written.insert(path)
    }
    for access in accesses {
      switch access {
      case .size(let path, let size, let modified) where !written.contains(path):
        try Self.sparse(tree.resolve(path), size: size, modified: modified)
        written.insert(path)
      case .exists(let path, let isDirectory) where !written.contains(path):
        if isDirectory {
          try SystemRoot.makeDirectories(tree.resolve(path))
        } else {
          try tree.createFile(path, bytes: [])
        }
        written.insert(path)
      case .list(let path, let names):
        try SystemRoot.makeDirectories(tree.resolve(path))
        for name in names {
          let child = path.hasSuffix("/") ? path + name : "\(path)/\(name)"
          guard !written.contains(child) else { continue }
          if live.isDirectoryUnrecorded(child) {
            try SystemRoot.makeDirectories(tree.resolve(child))
          } else {
            try tree.createFile(child, bytes: [])
          }
          written.insert(child)
        }
      default:
        break
      }
    }
    let spaces = accesses.compactMap { access -> String? in
      guard case .space(let path, let space) = access else { return nil }
      return "\(path) \(space.freeBytes) \(space.totalBytes)"
    }
    if !spaces.isEmpty {
      try tree.createFile(
        "/.coroner-statvfs", contents: Array(Set(spaces)).sorted().joined(separator: "\n") + "\n")
    }
  }

  /// A file of `size` bytes that takes no disk, with the original's modification time.
  static func sparse(_ path: String, size: UInt64, modified: Int) throws(SystemWriteError) {
    try SystemRoot.makeDirectories(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]))
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SystemWriteError(path: path, value: "(sparse file)", errno: errno) }
    defer { close(fd) }
    guard ftruncate(fd, off_t(size)) == 0 else {
      throw SystemWriteError(path: path, value: "(sparse file)", errno: errno)
    }
    var times = [timespec(tv_sec: modified, tv_nsec: 0), timespec(tv_sec: modified, tv_nsec: 0)]
    _ = futimens(fd, &times)
  }
}

extension SystemRoot {
  func isDirectoryUnrecorded(_ path: String) -> Bool {
    var info = stat()
    return stat(resolve(path), &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }
}
