#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The capture's small files (log, crash.json): written whole to a temporary name,
/// synced, then renamed, so a full disk leaves the previous version rather than
/// half of a new one.
enum SmallFile {
  static func write(_ bytes: [UInt8], to path: String) throws {
    if let error = write([(bytes, path)])[0] { throw error }
  }

  /// Writes several files as `write(_:to:)` writes one, and returns each one's error or
  /// nil. All are written and their writeback started (sync_file_range(2)) before any is
  /// synced: a journaling file system (ext4, xfs) then allocates the files' blocks in one
  /// transaction, the first fsync commits it, and the others wait for their own data
  /// only, where syncing each in turn costs a journal commit per file (two of a capture's
  /// first three, a few milliseconds each on the lab's disk).
  static func write(_ files: [(bytes: [UInt8], path: String)]) -> [CaptureError?] {
    var outputs: [FileDumpOutput?] = []
    var errors: [CaptureError?] = []
    for (bytes, path) in files {
      do {
        let output = try FileDumpOutput(path: path + ".tmp")
        try output.write(bytes, at: 0)
        output.startWriteback()
        outputs.append(output)
        errors.append(nil)
      } catch {
        outputs.append(nil)
        errors.append(error as? CaptureError ?? .write(path: path, offset: 0, errno: EIO))
      }
    }
    for (index, (_, path)) in files.enumerated() {
      let temporary = path + ".tmp"
      guard let output = outputs[index] else {
        unlink(temporary)
        continue
      }
      do {
        try output.synchronize()
      } catch {
        errors[index] = error as? CaptureError ?? .write(path: path, offset: 0, errno: EIO)
        unlink(temporary)
        continue
      }
      if rename(temporary, path) != 0 {
        errors[index] = .write(path: path, offset: 0, errno: errno)
        unlink(temporary)
      }
    }
    return errors
  }

  /// Writes `bytes` over the start of `path`, padded with spaces to a multiple of
  /// `room` bytes: the first write claims the room, so rewriting the file (with the
  /// dump's checksums) needs no new blocks on a disk the dump has filled. Trailing
  /// spaces keep a JSON document valid.
  static func overwrite(_ bytes: [UInt8], to path: String, room: Int = 16384) throws {
    let padded = (bytes.count + room) / room * room
    let output = try FileDumpOutput(path: path, truncate: false)
    try output.write(
      bytes + [UInt8](repeating: UInt8(ascii: " "), count: padded - bytes.count - 1) + [0x0A], at: 0)
    guard ftruncate(output.descriptor, off_t(padded)) == 0 else {
      throw CaptureError.write(path: path, offset: UInt64(padded), errno: errno)
    }
    try output.synchronize()
  }

  /// Size of a file, from stat(2).
  static func size(_ path: String) throws -> UInt64 {
    var status = stat()
    guard stat(path, &status) == 0 else { throw CaptureError.read(path: path, errno: errno) }
    return UInt64(status.st_size)
  }

  /// Size and SHA-256 of a file, read in 1 MiB pieces.
  static func sha256(_ path: String) throws -> (UInt64, String) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw CaptureError.read(path: path, errno: errno) }
    defer { close(descriptor) }
    // libcrypto only for large files (a dump, with --checksum): loaded, it adds 1.6 MiB
    // to the capture's peak memory, and the logs hash in under a millisecond without it.
    var status = stat()
    let large = fstat(descriptor, &status) == 0 && status.st_size > 1 << 20
    var hash = Sha256(useLibcrypto: large)
    var total: UInt64 = 0
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
    defer { buffer.deallocate() }
    while true {
      let got = read(descriptor, buffer.baseAddress, buffer.count)
      if got < 0 && errno == EINTR { continue }
      guard got >= 0 else { throw CaptureError.read(path: path, errno: errno) }
      if got == 0 { break }
      hash.update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
      total += UInt64(got)
    }
    return (total, hash.hexDigest())
  }
}
