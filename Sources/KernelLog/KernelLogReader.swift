/// Turns the bytes of a console capture (serial console, dmesg, journalctl, syslog,
/// a netconsole stream) into `LogRecord`s, one per line, each with its byte span.
///
/// Works on bytes: real logs carry invalid UTF-8, NUL bytes, `\r` from serial
/// consoles and ANSI colour escapes, all removed here before the prefix is parsed.
public enum KernelLogReader {
  /// Every line of `bytes` as a record.
  public static func records(in bytes: [UInt8]) -> [LogRecord] {
    bytes.withUnsafeBufferPointer { records(in: $0, range: 0..<$0.count) }
  }

  /// The lines that start inside `range` (a line start is assumed at `range.lowerBound`).
  static func records(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> [LogRecord] {
    var result: [LogRecord] = []
    append(in: bytes, range: range, to: &result)
    return result
  }

  /// The records of the lines from `lineStart` (a line start) to `end`, decoded as the
  /// whole log decodes them: the first is the record that holds the line at `lineStart`,
  /// which may start before it (`RecordBoundary`).
  static func records(
    in bytes: UnsafeBufferPointer<UInt8>, linesFrom lineStart: Int, to end: Int
  ) -> [LogRecord] {
    var result = records(in: bytes, range: RecordBoundary.start(before: lineStart, in: bytes)..<end)
    let before = result.prefix { ($0.span?.upperBound ?? lineStart) < lineStart }.count
    result.removeFirst(before)
    return result
  }

  /// Appends the records of `range` to `result`, as `records(in:range:)` decodes them
  /// (a dictionary line joins only a record appended by this call): a window that
  /// grows decodes its new lines in place instead of copying them over.
  static func append(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, to result: inout [LogRecord]) {
    var scratch: [UInt8] = []
    scratch.reserveCapacity(256)
    var lineStart = max(0, range.lowerBound)
    let end = min(bytes.count, range.upperBound)
    var previousWasExtended = false
    // Whether the stretch looks wrapped by a mail client, for each block of the log that
    // has a line that may be a wrapped line's rest (most have none).
    var wrapped: [Int: Bool] = [:]
    // The last physical line of the last record appended here, when that record may
    // take a wrapped line's rest (a kernel line with a prefix).
    var previousLine: Range<Int>?
    // A mail's raw quoted-printable form: each line decoded, and one that ends in a
    // soft line break continued by the next line whole. Whether a line is encoded is told
    // from the bytes around it, whatever the range decoded, so that a window of a log
    // decodes a line as the whole log does.
    var softBreak = false
    while lineStart < end {
      let lineEnd = LineScanner.endOfLine(in: bytes, from: lineStart)
      let next = lineEnd < bytes.count ? lineEnd + 1 : lineEnd
      LineCleaner.clean(UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), into: &scratch)
      if softBreak, let last = result.indices.last {
        var rest = String(decoding: scratch, as: UTF8.self)
        softBreak = QuotedPrintable.endsInSoftBreak(rest)
        if softBreak { rest.removeLast() }
        result[last].text += QuotedPrintable.decoded(rest)
        result[last].span = (result[last].span?.lowerBound ?? lineStart)..<lineEnd
        // A wrapped line's rest comes after the record's last line.
        if previousLine != nil { previousLine = lineStart..<lineEnd }
        lineStart = next
        continue
      }
      if previousWasExtended, let last = result.indices.last,
        let entry = DictionaryLine.parse(scratch)
      {
        result[last].dictionaryStorage.append(entry)
        result[last].span = (result[last].span?.lowerBound ?? lineStart)..<lineEnd
      } else {
        var record = scratch.withUnsafeBufferPointer { line in
          makeRecord(line, span: lineStart..<lineEnd)
        }
        if QuotedPrintable.mayBeEncoded(scratch),
          QuotedPrintable.looksEncoded(bytes, around: lineStart..<lineEnd)
        {
          softBreak = QuotedPrintable.endsInSoftBreak(record.record.text)
          if softBreak { record.record.text.removeLast() }
          record.record.text = QuotedPrintable.decoded(record.record.text)
        }
        var joined = false
        if !record.hasPrefix, let previous = previousLine, let last = result.indices.last,
          MailWrap.isRest(scratch, after: previous, in: bytes)
        {
          if MailWrap.looksWrapped(bytes, around: lineStart, known: &wrapped) {
            // A flowed line keeps the blank it was cut at.
            if result[last].text.utf8.last != 0x20 { result[last].text += " " }
            result[last].text += record.record.text
            result[last].span = (result[last].span?.lowerBound ?? lineStart)..<lineEnd
            previousLine = lineStart..<lineEnd
            joined = true
          }
        }
        if !joined {
          previousWasExtended = record.isExtended
          let takesRest = record.hasPrefix && !record.isExtended && !record.record.isForeign
          previousLine = takesRest ? lineStart..<lineEnd : nil
          result.append(record.record)
        }
      }
      lineStart = next
    }
  }

  static func makeRecord(
    _ line: UnsafeBufferPointer<UInt8>, span: Range<Int>
  )
    -> (record: LogRecord, isExtended: Bool, hasPrefix: Bool)
  {
    let prefix = ConsolePrefix(parsing: line)
    var body = UnsafeBufferPointer(rebasing: line[prefix.textStart...])
    // A line a markdown paste made bold, `**Kernel panic - not syncing: ...**`: the
    // markers are the paste's, not the kernel's. Markdown's markers touch the text
    // (CommonMark's flanking rule); the kernel's own `** replaying previous printk
    // message **` (kernel/printk/printk.c) has blanks inside, and stays.
    let star = UInt8(ascii: "*")
    let space = UInt8(ascii: " ")
    if body.count > 4, body[body.startIndex] == star, body[body.startIndex + 1] == star,
      body[body.endIndex - 1] == star, body[body.endIndex - 2] == star,
      ![star, space].contains(body[body.startIndex + 2]), ![star, space].contains(body[body.endIndex - 3])
    {
      body = UnsafeBufferPointer(rebasing: body[(body.startIndex + 2)..<(body.endIndex - 2)])
    }
    let text =
      prefix.isSyslog && RsyslogEscapes.mayHold(body)
      ? RsyslogEscapes.unescaped(body) : String(decoding: body, as: UTF8.self)
    var record = LogRecord(
      text: text, sequence: prefix.sequence, timestampNanoseconds: prefix.timestampNanoseconds,
      facility: prefix.facility, level: prefix.level, caller: prefix.caller, span: span)
    record.isForeign = prefix.isForeign
    return (record, prefix.isExtendedRecord, prefix.textStart > 0 || prefix.timestampNanoseconds != nil)
  }
}

/// Line boundaries: `\n` ends a line (a `\r` before it is dropped by the cleaner).
enum LineScanner {
  /// The offset of the `\n` ending the line that holds `start`, or the end of the
  /// buffer. Eight bytes at a time (`ByteSearch.nextByte`): windows and records
  /// walk every line around a report.
  static func endOfLine(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    guard start < bytes.count, let base = bytes.baseAddress else { return bytes.count }
    return ByteSearch.nextByte(0x0A, in: base, from: start, through: bytes.count - 1, count: bytes.count)
      ?? bytes.count
  }
}

/// Removes what a terminal would not show: `\r`, NUL, other C0 controls but tab, and
/// ANSI CSI/OSC escape sequences (ECMA-48) that serial consoles and systemd emit. A
/// no-break space (U+00A0, which mail and web pages put in a pasted log's indentation
/// and column padding) becomes a space, as the kernel printed it.
enum LineCleaner {
  static func clean(_ line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
    output.removeAll(keepingCapacity: true)
    // Most lines have nothing to remove: copy them whole.
    if !mayNeedCleaning(line)
      || !line.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F || $0 == 0xC2 })
    {
      output.append(contentsOf: line)
      return
    }
    var index = 0
    while index < line.count {
      let byte = line[index]
      if byte == 0x1B {
        index = skipEscape(line, from: index)
        continue
      }
      if byte == 0xC2, index + 1 < line.count, line[index + 1] == 0xA0 {
        output.append(0x20)
        index += 2
        continue
      }
      if byte >= 0x20 || byte == 0x09 || byte >= 0x80 {
        output.append(byte == 0x7F ? 0x20 : byte)
      }
      index += 1
    }
  }

  /// False when `line` has nothing to clean: no byte below 0x20, 0x7F or 0xC2 (a
  /// no-break space's first byte), tested eight bytes at a time. `(w - 0x20..20) & ~w
  /// & 0x80..80` is non-zero exactly when a byte of `w` is below 0x20, and the same
  /// test of `w ^ 0x7F..7F` (or `w ^ 0xC2..C2`) against 0x01 finds a DEL (or a 0xC2).
  static func mayNeedCleaning(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = line.baseAddress else { return false }
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    var index = 0
    while index + 8 <= line.count {
      let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
      let delete = word ^ (0x7F &* ones)
      let lead = word ^ (0xC2 &* ones)
      if ((word &- 0x20 &* ones) & ~word | (delete &- ones) & ~delete | (lead &- ones) & ~lead) & high != 0 {
        return true
      }
      index += 8
    }
    while index < line.count {
      if line[index] < 0x20 || line[index] == 0x7F || line[index] == 0xC2 { return true }
      index += 1
    }
    return false
  }

  /// Index after the escape sequence starting at `start` (an ESC byte).
  private static func skipEscape(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    var index = start + 1
    guard index < line.count else { return index }
    switch line[index] {
    case UInt8(ascii: "["):  // CSI: parameters and intermediates, then a final byte 0x40-0x7E
      index += 1
      while index < line.count, !(0x40...0x7E).contains(line[index]) { index += 1 }
      return min(index + 1, line.count)
    case UInt8(ascii: "]"):  // OSC: up to BEL or ESC backslash
      index += 1
      while index < line.count, line[index] != 0x07, line[index] != 0x1B { index += 1 }
      return min(index + 1, line.count)
    default:
      return index + 1
    }
  }
}

/// A `/dev/kmsg` dictionary continuation line: ` SUBSYSTEM=usb`.
enum DictionaryLine {
  static func parse(_ line: [UInt8]) -> LogRecord.DictionaryEntry? {
    guard line.first == UInt8(ascii: " "), let equals = line.firstIndex(of: UInt8(ascii: "=")),
      equals > 1
    else { return nil }
    let key = line[1..<equals]
    guard
      key.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) })
    else { return nil }
    return LogRecord.DictionaryEntry(
      key: String(decoding: key, as: UTF8.self),
      value: String(decoding: line[(equals + 1)...], as: UTF8.self))
  }
}
