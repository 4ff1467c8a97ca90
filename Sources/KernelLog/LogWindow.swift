/// The stretch of a large log decoded around a report marker: from the start of
/// the marker's line, a bounded number of lines. Reports that start in the first
/// half are complete (a region is at most `ReportRegion.maximumLines` long); the
/// second half is scanned again as the next window.
struct LogWindow {
  /// Most reports fit in a short window; one that reaches its end is parsed again
  /// in a window long enough for any report.
  static let shortLines = 400
  static let longLines = 2 * ReportRegion.maximumLines + 64
  /// The windows tried, in turn, for a report that reaches the end of the last one.
  static let longerLines = [3 * shortLines, longLines]
  static let maximumBytes = 8 << 20

  let start: Int
  let end: Int
  /// Reports whose header record index is below this are accepted.
  let acceptedRecords: Int
  /// Byte offset where the next scan resumes when the window was cut.
  let acceptedEnd: Int
  /// The window stops before the end of the log.
  let isCut: Bool

  /// Number of lines decoded.
  let lineCount: Int

  init(around hit: Int, in bytes: UnsafeBufferPointer<UInt8>, lines: Int) {
    var lineStart = min(hit, bytes.count)
    while lineStart > 0, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
    start = lineStart
    var cursor = lineStart
    var count = 0
    var half = bytes.count
    let limit = min(bytes.count, lineStart + LogWindow.maximumBytes)
    while cursor < limit, count < lines {
      cursor = min(LineScanner.endOfLine(in: bytes, from: cursor) + 1, bytes.count)
      count += 1
      if count == lines / 2 { half = cursor }
    }
    end = cursor
    lineCount = count
    isCut = cursor < bytes.count
    acceptedRecords = lines / 2
    acceptedEnd = min(half, cursor)
  }
}
