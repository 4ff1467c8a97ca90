import Foundation

/// The files of an initramfs, gathered before they are written as a newc archive.
/// Parent folders are added on demand, so the archive always lists a folder before what
/// it holds (init/initramfs.c creates entries in archive order).
public struct InitramfsTree: Sendable {
  public enum Entry: Sendable, Equatable {
    case directory
    case file(Data, permissions: UInt32)
    case symlink(String)
  }

  public private(set) var entries: [(path: String, entry: Entry)] = []
  private var directories: Set<String> = []

  public init() {}

  public mutating func addDirectory(_ path: String) {
    let normal = Self.normalize(path)
    guard !normal.isEmpty, !directories.contains(normal) else { return }
    addParents(of: normal)
    directories.insert(normal)
    entries.append((normal, .directory))
  }

  public mutating func addFile(_ path: String, contents: Data, permissions: UInt32 = 0o644) {
    let normal = Self.normalize(path)
    addParents(of: normal)
    entries.append((normal, .file(contents, permissions: permissions)))
  }

  /// Whether a file or folder is at `path` already.
  public func holds(_ path: String) -> Bool {
    let normal = Self.normalize(path)
    return entries.contains { $0.0 == normal }
  }

  /// Copies each host library at its own path, where the guest's loader looks for it,
  /// unless a file is there already (two programs' libraries overlap: libc, the loader).
  public mutating func addHostLibraries(_ paths: [String]) throws {
    for path in paths where !holds(path) {
      try addHostFile(URL(fileURLWithPath: path), at: path)
    }
  }

  /// Copies a host file's bytes to `path` (following symlinks on the host).
  public mutating func addHostFile(_ host: URL, at path: String, permissions: UInt32 = 0o755) throws {
    let contents: Data
    do {
      contents = try Data(contentsOf: host.resolvingSymlinksInPath())
    } catch {
      throw LabError.io(
        path: host.path, reason: "cannot read for the initramfs: \(error.localizedDescription)")
    }
    addFile(path, contents: contents, permissions: permissions)
  }

  public mutating func addSymlink(_ path: String, target: String) {
    let normal = Self.normalize(path)
    addParents(of: normal)
    entries.append((normal, .symlink(target)))
  }

  /// The archive bytes.
  public func archive() -> Data {
    var archive = NewcArchive()
    for (path, entry) in entries {
      switch entry {
      case .directory: archive.appendDirectory(path)
      case .file(let data, let permissions):
        archive.appendFile(path, contents: data, permissions: permissions)
      case .symlink(let target): archive.appendSymlink(path, target: target)
      }
    }
    return archive.finish()
  }

  private mutating func addParents(of path: String) {
    let parts = path.split(separator: "/")
    guard parts.count > 1 else { return }
    addDirectory(parts.dropLast().joined(separator: "/"))
  }

  static func normalize(_ path: String) -> String {
    path.split(separator: "/").joined(separator: "/")
  }
}
