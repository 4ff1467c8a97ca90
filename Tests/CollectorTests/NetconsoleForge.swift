import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Makes netconsole payloads as drivers/net/netconsole.c sends them, from a
/// console log: the `[ ts]` prefix becomes the extended header, bodies longer
/// than a payload are cut into `ncfrag` fragments.
struct NetconsoleForge {
  var release: String? = "6.1.0-56-amd64"
  var sequence: UInt64 = 0
  var chunk = 1000
  var sysdata: [(String, String)] = []

  /// One record's payloads (several when fragmented).
  mutating func payloads(text: String, timestampMicroseconds: UInt64, level: Int = 4) -> [[UInt8]] {
    var body = Array(Self.escape(text).utf8) + [0x0A]
    for (key, value) in sysdata { body += Array(" \(key)=\(value)\n".utf8) }
    let header = (release.map { "\($0)," } ?? "") + "\(level),\(sequence),\(timestampMicroseconds),-"
    sequence += 1
    if header.utf8.count + 1 + body.count <= chunk { return [Array((header + ";").utf8) + body] }
    var result: [[UInt8]] = []
    var offset = 0
    while offset < body.count {
      let prefix = Array("\(header),ncfrag=\(offset)/\(body.count);".utf8)
      let room = max(1, chunk - prefix.count)
      let piece = body[offset..<min(body.count, offset + room)]
      result.append(prefix + piece)
      offset += piece.count
    }
    return result
  }

  /// printk's escaping of the extended body (kernel/printk/printk.c, msg_add_ext_text()).
  static func escape(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
      if byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\\") {
        out += String(format: "\\x%02x", byte)
      } else {
        out.unicodeScalars.append(UnicodeScalar(byte))
      }
    }
    return out
  }

  /// The records of a console log: text and timestamp of every `[ ts] text` line.
  static func records(_ log: [UInt8]) -> [(text: String, microseconds: UInt64)] {
    // Bytes, not Characters: a serial console's "\r\n" is one Character.
    log.split(separator: 0x0A).map { String(decoding: $0.last == 0x0D ? $0.dropLast() : $0, as: UTF8.self) }
      .compactMap { line in
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
        let seconds =
          Double(line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)) ?? 0
        var text = line[line.index(after: close)...]
        if text.hasPrefix(" ") { text = text.dropFirst() }
        return (String(text), UInt64(seconds * 1e6))
      }
  }

  /// Every payload of a log, in order.
  mutating func payloads(log: [UInt8]) -> [[UInt8]] {
    Self.records(log).flatMap { payloads(text: $0.text, timestampMicroseconds: $0.microseconds) }
  }
}

/// A UDP socket bound to a chosen loopback address (127.0.0.0/8 is all loopback
/// on Linux), so one test forges many source hosts.
final class ForgedHost {
  let fd: Int32
  let source: String

  init(source: String) throws {
    self.source = source
    fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    inet_pton(AF_INET, source, &address.sin_addr)
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard result == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
  }

  func send(_ payload: [UInt8], to port: Int) {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    _ = payload.withUnsafeBytes { bytes in
      withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
  }

  deinit { close(fd) }
}
