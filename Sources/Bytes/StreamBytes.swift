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
  ///
  /// `head` (with `headSize`) sees the stream's first bytes once, as soon as that many
  /// arrived (or the stream ended sooner), and may refuse the stream by returning an
  /// error: a reader that can tell from the start that the bytes are not its kind
  /// stops there instead of reading up to `limit` of them (`/dev/zero`).
  public static func read(
    path: String, limit: Int, idleSeconds: Int32 = 30, headSize: Int = 0,
    head: ([UInt8]) -> BytesError? = { _ in nil }
  ) throws(BytesError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { throw FileBytes.systemError(path, "cannot open", errno) }
    defer { close(descriptor) }
    return try read(
      descriptor: descriptor, name: path, limit: limit, idleSeconds: idleSeconds, headSize: headSize,
      head: head)
  }

  /// Reads an open descriptor to its end (`name` for errors), waiting for data with
  /// poll(2) at most `idleSeconds` at a time.
  public static func read(
    descriptor: Int32, name: String, limit: Int, idleSeconds: Int32 = 30, headSize: Int = 0,
    head: ([UInt8]) -> BytesError? = { _ in nil }
  ) throws(BytesError) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var headSeen = headSize <= 0
    while true {
      let got = chunk.withUnsafeMutableBytes { readSome(descriptor, $0) }
      if got > 0, !headSeen, result.count + got >= headSize {
        headSeen = true
        if let refusal = head(result + chunk[0..<got]) { throw refusal }
      }
      if got > 0 {
        guard result.count + got <= limit else {
          throw BytesError(
            .unsupported, path: name, offset: UInt64(result.count),
            expected: "a stream of at most \(limit) bytes")
        }
        result.append(contentsOf: chunk[0..<got])
      } else if got == 0 {
        if !headSeen, let refusal = head(result) { throw refusal }
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
