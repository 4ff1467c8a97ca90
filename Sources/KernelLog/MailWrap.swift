/// Console lines that a mail client or a web form wrapped when the log was pasted:
/// `[ 7.88] host kernel: WARNING: possible circular locking` / `dependency detected`.
/// The rest of a wrapped line comes on a line of its own with no prefix, and a report
/// header, a `RIP:` line or a lockdep `at:` line cut that way is lost to the parser.
///
/// Mail clients wrap at 72 to 80 columns (RFC 5322 §2.1.1 asks for lines of at most 78
/// characters), and a wrapped paste has no longer line but where a word is longer than
/// that. A console log copied whole has many: register dumps, `Code:` lines and long
/// frames run past 80 columns with their timestamps. So rests are joined back only in
/// a stretch of the log with (next to) no line over 80 columns, and only to a line
/// whose prefix says it is the kernel's.
enum MailWrap {
  static let width = 80
  /// A line and the next one's first word longer than this were wrapped, not ended:
  /// clients wrap before the width when the next word would pass it.
  static let wrappedLength = 60

  /// Lines are looked at for wrapping a block at a time: a line's is told from the blocks
  /// before and after its own, which are the same whatever range of the log is decoded.
  static let block = 16 << 10

  /// Whether the lines around `offset` look wrapped, `known` holding the answers for the
  /// blocks already looked at.
  static func looksWrapped(
    _ bytes: UnsafeBufferPointer<UInt8>, around offset: Int, known: inout [Int: Bool]
  ) -> Bool {
    let index = offset / block
    if let answer = known[index] { return answer }
    var start = max(0, (index - 1) * block)
    if start > 0 { start = LineScanner.endOfLine(in: bytes, from: start - 1) + 1 }
    let answer = looksWrapped(bytes, range: start..<min(bytes.count, (index + 2) * block))
    known[index] = answer
    return answer
  }

  /// Whether the lines of `range` look wrapped: at least eight, at most one in fifty
  /// longer than `width` characters. The count stops at the line where the long ones
  /// pass one in fifty of those read (and of 400, so that a few long lines near the
  /// start do not decide alone): a log copied whole is told from a wrapped one within
  /// its first few hundred lines.
  static func looksWrapped(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Bool {
    var lines = 0
    var long = 0
    var lineStart = range.lowerBound
    while lineStart < range.upperBound {
      let lineEnd = LineScanner.endOfLine(in: bytes, from: lineStart)
      lines += 1
      if lineEnd - lineStart > width, characters(bytes, lineStart..<lineEnd) > width {
        long += 1
        if long * 50 > max(lines, 400) { return false }
      }
      lineStart = lineEnd + 1
    }
    return lines >= 8 && long * 50 <= lines
  }

  /// Whether `line` (cleaned, with no prefix) may be the rest of the line before, at
  /// `previous` of `bytes`: it starts with a word (an indented line is a message's own
  /// continuation, as journalctl prints them) that did not fit after it.
  static func isRest(
    _ line: [UInt8], after previous: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    guard let first = line.first, first != 0x20, first != 0x09 else { return false }
    let word = line.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) ?? line.count
    let length = characters(bytes, previous)
    return length <= width && length + 1 + word > wrappedLength
  }

  /// UTF-8 characters in the line, a `\r` at its end not counted.
  static func characters(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
    var count = 0
    for index in range where bytes[index] & 0xC0 != 0x80 { count += 1 }
    if range.upperBound > range.lowerBound, bytes[range.upperBound - 1] == 0x0D { count -= 1 }
    return count
  }
}
