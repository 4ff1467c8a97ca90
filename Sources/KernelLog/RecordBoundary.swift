/// Where a record starts, for a window of a log that begins at a line the whole log may
/// decode as the continuation of an earlier one: a mail client's wrapped rest, the line
/// after a quoted-printable soft break, a `/dev/kmsg` dictionary line. A window decoded
/// from its marker's line would make that line a record of its own, and see a header the
/// whole log does not (or miss one the whole log sees).
///
/// The reader backs up from the line to one that surely starts a record: the log's first,
/// or one that none of those rules can join to the line before it. The lines read back are
/// bounded, so that a log where every line may continue the one before (no prefix, each
/// one a word that did not fit) costs a window at most `maximumLines` more lines.
enum RecordBoundary {
  static let maximumLines = 256
  static let maximumBytes = 64 << 10

  /// The offset of the line at or before `lineStart` (a line start) where decoding
  /// starts so that the line at `lineStart` is decoded as in the whole log.
  static func start(before lineStart: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var start = lineStart
    for _ in 0..<maximumLines where lineStart - start < maximumBytes {
      guard start > 0, !startsRecord(at: start, in: bytes) else { return start }
      start = previousLineStart(start, in: bytes)
    }
    return start
  }

  /// Whether the line at `start` starts a record whatever came before the line before it:
  /// `KernelLogReader.append` joins a line to the record before only after a line ending
  /// in `=` (a soft line break), when it is a dictionary line, or when it has no prefix
  /// and may be a wrapped line's rest.
  static func startsRecord(at start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard start > 0, start < bytes.count else { return true }
    let previousStart = previousLineStart(start, in: bytes)
    var line: [UInt8] = []
    var previous: [UInt8] = []
    LineCleaner.clean(
      UnsafeBufferPointer(rebasing: bytes[start..<LineScanner.endOfLine(in: bytes, from: start)]), into: &line
    )
    LineCleaner.clean(UnsafeBufferPointer(rebasing: bytes[previousStart..<(start - 1)]), into: &previous)
    guard previous.last != QuotedPrintable.equals, DictionaryLine.parse(line) == nil else { return false }
    let prefix = line.withUnsafeBufferPointer { ConsolePrefix(parsing: $0) }
    if prefix.textStart > 0 || prefix.timestampNanoseconds != nil { return true }
    return !MailWrap.isRest(line, after: previousStart..<(start - 1), in: bytes)
  }

  /// The start of the line before the one at `start` (a line start above zero).
  static func previousLineStart(_ start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var previous = start - 1
    while previous > 0, bytes[previous - 1] != 0x0A { previous -= 1 }
    return previous
  }
}
