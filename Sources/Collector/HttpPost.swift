import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One HTTP/1.1 POST over a plain TCP socket (RFC 9112: a request with Content-Length,
/// `Connection: close`, and the response read to the end of the connection). The
/// sender needs nothing more, and this keeps libcurl (Foundation's URLSession) out
/// of the statically linked binary that the capture kernel and the Debian package carry.
/// Only `http://` URLs: a collector behind TLS is reached through a local proxy.
struct HttpPost {
  struct Response {
    var status: Int
    var body: [UInt8]
  }

  enum Failure: Error, CustomStringConvertible {
    case url(String)
    case network(String)
    case response(String)

    var description: String {
      switch self {
      case .url(let text): return "unsupported collector URL: \(text)"
      case .network(let text): return "network: \(text)"
      case .response(let text): return "malformed HTTP response: \(text)"
      }
    }
  }

  /// The most of a response kept: the collector answers with a short JSON.
  static let responseLimit = 1 << 20

  let url: URL
  let headers: [(String, String)]
  let body: [UInt8]
  let timeoutSeconds: Int

  func send() throws -> Response {
    guard url.scheme == "http", let host = url.host, !host.isEmpty else {
      throw Failure.url("\(url.absoluteString) (expected http://HOST[:PORT]/...)")
    }
    let port = url.port ?? 80
    let path = url.path.isEmpty ? "/" : url.path + (url.query.map { "?" + $0 } ?? "")
    let socket = try connect(host: host, port: port)
    defer { close(socket) }
    var head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
    head += "Content-Length: \(body.count)\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    head += "\r\n"
    try write(socket, Array(head.utf8) + body)
    return try Self.parse(try readAll(socket))
  }

  private func connect(host: String, port: Int) throws -> Int32 {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(
      host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), String(port), &hints, &list)
    guard status == 0, let first = list else {
      throw Failure.network("\(host): " + String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }
    var reason = "no address"
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let candidate = entry {
      let socket = Glibc.socket(candidate.pointee.ai_family, candidate.pointee.ai_socktype, 0)
      if socket >= 0 {
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if Glibc.connect(socket, candidate.pointee.ai_addr, candidate.pointee.ai_addrlen) == 0 {
          return socket
        }
        reason = String(cString: strerror(errno))
        close(socket)
      }
      entry = candidate.pointee.ai_next
    }
    throw Failure.network("\(host):\(port): \(reason)")
  }

  private func write(_ socket: Int32, _ bytes: [UInt8]) throws {
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes {
        Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw Failure.network("send: " + String(cString: strerror(errno)))
      }
      sent += count
    }
  }

  private func readAll(_ socket: Int32) throws -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 14)
    while true {
      let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
      if count == 0 { return result }
      if count < 0 {
        if errno == EINTR { continue }
        throw Failure.network("receive: " + String(cString: strerror(errno)))
      }
      guard result.count + count <= Self.responseLimit else {
        throw Failure.response("longer than \(Self.responseLimit) bytes")
      }
      result.append(contentsOf: chunk[0..<count])
    }
  }

  /// The status code of the status line and the bytes after the header block
  /// (a chunked body is joined from its chunks).
  static func parse(_ bytes: [UInt8]) throws -> Response {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let end = bytes.firstRange(of: separator) else { throw Failure.response("no end of headers") }
    let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
    let lines = head.components(separatedBy: "\r\n")
    let statusParts = lines.first?.split(separator: " ") ?? []
    guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
      throw Failure.response("status line \(lines.first ?? "")")
    }
    var body = Array(bytes[end.upperBound...])
    let chunked = lines.dropFirst().contains {
      $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked")
    }
    if chunked { body = joinChunks(body) }
    return Response(status: status, body: body)
  }

  /// A chunked body's data (RFC 9112 section 7.1); a malformed size ends it.
  static func joinChunks(_ bytes: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    var index = 0
    while index < bytes.count {
      guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { break }
      let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
      guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
      let start = lineEnd.upperBound
      guard start + size <= bytes.count else { break }
      result.append(contentsOf: bytes[start..<start + size])
      index = start + size + 2
    }
    return result
  }
}
