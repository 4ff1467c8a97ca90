/// rsyslog writes a message's control characters as `#` and three octal digits
/// (`$EscapeControlCharactersOnReceive`, on by default): a printk with embedded newlines,
/// as lockdep's `\n-> #0 (...)` and `\nbut task is already holding lock:`, lands in
/// /var/log/messages as `kernel: #012-> #0 (...)`. The newline and the tab come back as
/// they were printed, so that the report's lines start where the kernel's did.
enum RsyslogEscapes {
  /// Whether `body` holds `#011` or `#012`.
  static func mayHold(_ body: UnsafeBufferPointer<UInt8>) -> Bool {
    guard body.count >= 4 else { return false }
    for index in 0...(body.count - 4) where body[index] == UInt8(ascii: "#") {
      if escaped(body, at: index) != nil { return true }
    }
    return false
  }

  /// The text with `#012` as a newline and `#011` as a tab.
  static func unescaped(_ body: UnsafeBufferPointer<UInt8>) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(body.count)
    var index = 0
    while index < body.count {
      if body[index] == UInt8(ascii: "#"), let byte = escaped(body, at: index) {
        bytes.append(byte)
        index += 4
      } else {
        bytes.append(body[index])
        index += 1
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The control character `#011` or `#012` at `index` stands for.
  private static func escaped(_ body: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt8? {
    guard index + 3 < body.count, body[index + 1] == UInt8(ascii: "0"), body[index + 2] == UInt8(ascii: "1")
    else { return nil }
    switch body[index + 3] {
    case UInt8(ascii: "1"): return 0x09
    case UInt8(ascii: "2"): return 0x0A
    default: return nil
    }
  }
}
