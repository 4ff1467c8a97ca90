/// A log pasted from a mail's raw form, still in quoted-printable (RFC 2045 §6.7): every
/// `=` of the text written `=3D`, other bytes as `=XX`, and lines longer than 76
/// characters cut with a soft line break, a `=` at the end of the line:
///
///     [13:03:30 2025] CPU: 14 UID: 0 PID: 121 Comm: kworker/u64:7 Not t=
///     ainted 6.12.48+deb13-amd64 #1  Debian 6.12.48-1
///     [13:03:30 2025] R=3D000017d2[10] s=3Dda000-dbfff 0/2000/2000
///
/// Mail archives serve the raw message, and a log copied from there keeps the encoding.
/// A stretch of log is taken as encoded when it holds both marks, a `=3D` and a line
/// ending in `=`, or three such lines: kernel text has `=` signs everywhere (`ESR =
/// 0x96000005`, `pid=82`), which the encoding always turns into `=3D`, and a kernel line
/// seldom ends in one.
enum QuotedPrintable {
  static let equals = UInt8(ascii: "=")

  /// How far around a line its neighbours are looked at.
  static let neighbourhood = 4096

  /// Whether the line at `line` of `bytes` lies in a stretch that looks encoded.
  static func looksEncoded(_ bytes: UnsafeBufferPointer<UInt8>, around line: Range<Int>) -> Bool {
    looksEncoded(
      bytes,
      range: max(0, line.lowerBound - neighbourhood)..<min(bytes.count, line.upperBound + neighbourhood))
  }

  /// Whether a cleaned line holds a mark of the encoding: a `=` at its end, or one before
  /// two upper-case hexadecimal digits.
  static func mayBeEncoded(_ line: [UInt8]) -> Bool {
    if endsInSoftBreak(line) { return true }
    return line.withUnsafeBufferPointer { bytes in
      guard let base = bytes.baseAddress else { return false }
      // From one `=` to the next, eight bytes at a time: most lines have none.
      var index = 0
      while index + 2 < bytes.count,
        let found = ByteSearch.nextByte(
          equals, in: base, from: index, through: bytes.count - 3, count: bytes.count)
      {
        if hexValue(bytes[found + 1]) != nil, hexValue(bytes[found + 2]) != nil { return true }
        index = found + 1
      }
      return false
    }
  }

  /// Whether `range` of `bytes` looks encoded.
  static func looksEncoded(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Bool {
    let end = min(range.upperBound, bytes.count)
    guard let base = bytes.baseAddress, range.lowerBound < end else { return false }
    var encodedEquals = false
    var softBreaks = 0
    var index = range.lowerBound
    // From one `=` to the next, eight bytes at a time (ByteSearch): most of a log has few.
    while !(encodedEquals && softBreaks > 0) && softBreaks < 3,
      let found = ByteSearch.nextByte(equals, in: base, from: index, through: end - 1, count: bytes.count)
    {
      let next = found + 1 < end ? bytes[found + 1] : UInt8(ascii: "\n")
      // A line of `=` signs (KASAN's rules) is no soft break: the encoding writes a `=`
      // of the text as `=3D`, so two never stand side by side.
      let alone = found == 0 || bytes[found - 1] != equals
      if alone, next == UInt8(ascii: "\n") || (next == 0x0D && found + 2 < end && bytes[found + 2] == 0x0A) {
        softBreaks += 1
      } else if next == UInt8(ascii: "3"), found + 2 < end, bytes[found + 2] == UInt8(ascii: "D") {
        encodedEquals = true
      }
      index = found + 1
      if index >= end { break }
    }
    return (encodedEquals && softBreaks > 0) || softBreaks >= 3
  }

  /// Whether a cleaned line ends in a soft line break: a `=` with no `=` before it.
  static func endsInSoftBreak(_ text: String) -> Bool { endsInSoftBreak(text.utf8) }

  static func endsInSoftBreak<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bool {
    bytes.last == equals && bytes.dropLast().last != equals
  }

  /// `text` with each `=XX` (two hexadecimal digits) as the byte it stands for; any
  /// other `=` stays.
  static func decoded(_ text: String) -> String {
    guard text.utf8.contains(equals) else { return text }
    let bytes = Array(text.utf8)
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
      if bytes[index] == equals, index + 2 < bytes.count,
        let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
      {
        result.append(high << 4 | low)
        index += 3
        continue
      }
      result.append(bytes[index])
      index += 1
    }
    return String(decoding: result, as: UTF8.self)
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
