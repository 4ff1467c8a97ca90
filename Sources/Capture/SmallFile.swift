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
    let temporary = path + ".tmp"
    let output = try FileDumpOutput(path: temporary)
    do {
      try output.write(bytes, at: 0)
      try output.synchronize()
    } catch {
      unlink(temporary)
      throw error
    }
    guard rename(temporary, path) == 0 else {
      let number = errno
      unlink(temporary)
      throw CaptureError.write(path: path, offset: 0, errno: number)
    }
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
