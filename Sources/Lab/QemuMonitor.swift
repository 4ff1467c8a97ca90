import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A client of QEMU's human monitor (HMP) on a unix socket: sends one command and reads
/// until the next `(qemu) ` prompt, which QEMU prints when the command has completed.
struct QemuMonitor {
  var socketPath: String

  /// Runs `command` (e.g. `dump-guest-memory /path`) and returns the monitor's reply.
  func execute(_ command: String, timeout: TimeInterval) throws -> String {
    let fd = try connect()
    defer { close(fd) }
    _ = try readUntilPrompt(fd, deadline: Date().addingTimeInterval(10))
    let line = command + "\n"
    let sent = line.withCString { write(fd, $0, strlen($0)) }
    guard sent == line.utf8.count else { throw LabError.monitor(socket: socketPath, reason: "short write") }
    let reply = try readUntilPrompt(fd, deadline: Date().addingTimeInterval(timeout))
    return reply
  }

  private func connect() throws -> Int32 {
    // Close-on-exec: a QEMU started meanwhile by a parallel run must not inherit it.
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw LabError.monitor(socket: socketPath, reason: "socket: errno \(errno)") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard socketPath.utf8.count < capacity else {
      close(fd)
      throw LabError.monitor(socket: socketPath, reason: "path longer than \(capacity - 1) bytes")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (index, byte) in socketPath.utf8.enumerated() { raw[index] = byte }
      raw[socketPath.utf8.count] = 0
    }
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard status == 0 else {
      close(fd)
      throw LabError.monitor(socket: socketPath, reason: "connect: errno \(errno)")
    }
    return fd
  }

  private func readUntilPrompt(_ fd: Int32, deadline: Date) throws -> String {
    var received = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let remaining = deadline.timeIntervalSinceNow
      guard remaining > 0 else { throw LabError.monitor(socket: socketPath, reason: "no prompt in time") }
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, Int32(min(remaining, 1) * 1000))
      if ready <= 0 { continue }
      let count = read(fd, &buffer, buffer.count)
      guard count > 0 else { throw LabError.monitor(socket: socketPath, reason: "connection closed") }
      received += buffer[0..<count]
      let text = String(decoding: received, as: UTF8.self)
      if text.hasSuffix("(qemu) ") { return text }
    }
  }
}
