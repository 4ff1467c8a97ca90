import Glibc

/// Removing a pstore record erases it from the backend for good (fs/pstore/inode.c:
/// pstore_unlink() calls the backend's erase), so a record is removed only when the files
/// made from it are on the disk: every file written is read back and compared, flushed
/// with fsync(2), and so are the folders that name them (fsync(2): "calling fsync() on a
/// file does not necessarily ensure that the entry in the directory containing the file
/// has also reached disk"). A record no written file names stays in pstore.
extension PstoreHarvest {
  /// Checks and flushes what `write(to:)` wrote into `folders` (one per boot, in order).
  public func flush(folders: [String]) throws(HarvestError) {
    guard folders.count == boots.count else {
      throw HarvestError(
        path: folders.first ?? "", problem: "\(folders.count) folders written for \(boots.count) boots")
    }
    for (folder, boot) in zip(folders, boots) {
      for output in boot.outputs {
        try Self.verifyAndSync("\(folder)/\(output.name)", expected: output.bytes)
      }
      try Self.sync(folder, directory: true)
    }
    if let parent = folders.first.map({ String($0[..<($0.lastIndex(of: "/") ?? $0.endIndex)]) }) {
      try Self.sync(parent.isEmpty ? "/" : parent, directory: true)
    }
  }

  /// The names of the records that some written file was made from whole (a cut
  /// record is never among them).
  public var savedRecordNames: Set<String> {
    Set(boots.flatMap { $0.outputs.flatMap(\.sources) }).subtracting(cutRecords)
  }

  /// Removes the records `savedRecordNames` holds; returns those it kept.
  public func removeSavedRecords(from directory: String) throws(HarvestError) -> [String] {
    let saved = savedRecordNames
    var kept: [String] = []
    for record in records {
      guard saved.contains(record.name) else {
        kept.append(record.name)
        continue
      }
      if unlink("\(directory)/\(record.name)") != 0 && errno != ENOENT {
        throw HarvestError(path: "\(directory)/\(record.name)", problem: String(cString: strerror(errno)))
      }
    }
    return kept
  }

  static func verifyAndSync(_ path: String, expected: [UInt8]) throws(HarvestError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw HarvestError(path: path, problem: String(cString: strerror(errno))) }
    defer { close(fd) }
    var read: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while read.count <= expected.count {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw HarvestError(path: path, problem: String(cString: strerror(errno))) }
      if count == 0 { break }
      read += chunk[..<count]
    }
    guard read == expected else {
      throw HarvestError(
        path: path, problem: "read back \(read.count) bytes that differ from the \(expected.count) written")
    }
    guard fsync(fd) == 0 else { throw HarvestError(path: path, problem: String(cString: strerror(errno))) }
  }

  static func sync(_ path: String, directory: Bool) throws(HarvestError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
    guard fd >= 0 else { throw HarvestError(path: path, problem: String(cString: strerror(errno))) }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw HarvestError(path: path, problem: String(cString: strerror(errno))) }
  }
}
