#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bytes of a stream (standard input, a pipe, a FIFO, a character device), read
/// whole into memory: streams have no offsets to map or pread. Every read is bounded:
/// past `limit` bytes the stream is refused, and a writer that stays silent for
/// `idleSeconds` ends the read with an error instead of a wait that never ends.
public enum StreamBytes {
  /// Reads the stream at `path` to its end. The open does not block (O_NONBLOCK), so
  /// a FIFO without a writer reads as empty.
  public static func read(path: String, limit: Int, idleSeconds: Int32 = 30) throws(BytesError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { throw FileBytes.systemError(path, "cannot open", errno) }
    defer { close(descriptor) }
    return try read(descriptor: descriptor, name: path, limit: limit, idleSeconds: idleSeconds)
  }

  /// Reads an open descriptor to its end (`name` for errors), waiting for data with
  /// poll(2) at most `idleSeconds` at a time.
  public static func read(
    descriptor: Int32, name: String, limit: Int, idleSeconds: Int32 = 30
  ) throws(BytesError) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let got = chunk.withUnsafeMutableBytes { readSome(descriptor, $0) }
      if got > 0 {
        guard result.count + got <= limit else {
          throw BytesError(
            .unsupported, path: name, offset: UInt64(result.count),
            expected: "a stream of at most \(limit) bytes")
        }
        result.append(contentsOf: chunk[0..<got])
      } else if got == 0 {
        return result
      } else if errno == EINTR {
        continue
      } else if errno == EAGAIN || errno == EWOULDBLOCK {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&waiting, 1, idleSeconds * 1000)
        if ready == 0 {
          throw BytesError(
            .io, path: name, offset: UInt64(result.count),
            expected: "more data or the end of the stream within \(idleSeconds) s")
        }
        if ready < 0 && errno != EINTR { throw FileBytes.systemError(name, "poll failed", errno) }
      } else {
        throw FileBytes.systemError(name, "read failed", errno, offset: UInt64(result.count))
      }
    }
  }
}

/// read(2), outside `StreamBytes` whose own `read` would shadow it.
private func readSome(_ descriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
  read(descriptor, buffer.baseAddress, buffer.count)
}
