/// A reader over the text of one console line: its timestamp, caller tag, syslog and
/// journal prefixes. Every read checks the end; a malformed prefix makes a parse fail,
/// never trap.
struct LineCursor {
  let base: UnsafeBufferPointer<UInt8>
  private(set) var position: Int

  init(_ base: UnsafeBufferPointer<UInt8>, position: Int = 0) {
    self.base = base
    self.position = position
  }

  var isAtEnd: Bool { position >= base.count }

  func peek(_ ahead: Int = 0) -> UInt8? {
    let index = position + ahead
    return index >= 0 && index < base.count ? base[index] : nil
  }

  mutating func advance(_ count: Int = 1) {
    position = min(position + count, base.count)
  }

  mutating func take(_ byte: UInt8) -> Bool {
    guard peek() == byte else { return false }
    position += 1
    return true
  }

  mutating func take(prefix: StaticString) -> Bool {
    let length = prefix.utf8CodeUnitCount
    guard position + length <= base.count else { return false }
    let bytes = UnsafeBufferPointer(start: prefix.utf8Start, count: length)
    for index in 0..<length where base[position + index] != bytes[index] {
      return false
    }
    position += length
    return true
  }

  /// Unsigned decimal of at most `maxDigits` digits.
  mutating func decimal(maxDigits: Int = 20) -> UInt64? {
    var value: UInt64 = 0
    var count = 0
    while count < maxDigits, let byte = peek(), byte >= 0x30, byte <= 0x39 {
      let (times, overflowMul) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflowAdd) = times.addingReportingOverflow(UInt64(byte - 0x30))
      guard !overflowMul, !overflowAdd else { return nil }
      value = sum
      count += 1
      position += 1
    }
    return count > 0 ? value : nil
  }

  /// `T123` or `C1`, as CONFIG_PRINTK_CALLER prints them.
  mutating func callerTag() -> LogRecord.Caller? {
    var probe = self
    let kind = probe.peek()
    probe.advance()
    guard kind == UInt8(ascii: "T") || kind == UInt8(ascii: "C"),
      let value = probe.decimal(maxDigits: 10), value <= UInt32.max
    else { return nil }
    self = probe
    return kind == UInt8(ascii: "T") ? .task(pid: UInt32(value)) : .cpu(UInt32(value))
  }

  mutating func skipSpaces() {
    while peek() == UInt8(ascii: " ") { position += 1 }
  }

  /// A run of non-space bytes; false when empty.
  mutating func skipWord() -> Bool {
    let start = position
    while let byte = peek(), byte != UInt8(ascii: " ") { position += 1 }
    return position > start
  }

  /// Moves past the next `byte` found within `limit` bytes, blanks included; false (and
  /// no move) if none.
  mutating func advance(past byte: UInt8, within limit: Int) -> Bool {
    var index = position
    while index < base.count, index - position < limit {
      if base[index] == byte {
        position = index + 1
        return true
      }
      index += 1
    }
    return false
  }

  /// Moves to the next `byte` before any space; false (and no move) if none.
  mutating func skipUntil(_ byte: UInt8) -> Bool {
    var index = position
    while index < base.count {
      if base[index] == byte {
        position = index
        return true
      }
      if base[index] == UInt8(ascii: " ") { return false }
      index += 1
    }
    return false
  }

  func bytes(from start: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(rebasing: base[max(0, min(start, position))..<position])
  }

  mutating func digits(_ count: Int) -> Bool {
    for _ in 0..<count {
      guard let byte = peek(), byte >= 0x30, byte <= 0x39 else { return false }
      position += 1
    }
    return true
  }

  private mutating func letters(_ count: Int) -> Bool {
    for _ in 0..<count {
      guard let byte = peek(), (byte | 0x20) >= 0x61, (byte | 0x20) <= 0x7A else { return false }
      position += 1
    }
    return true
  }

  /// The wall clock LG's Android kernels print inside the timestamp's brackets, after
  /// the seconds: ` / 11-29 21:16:45.862]`, the month and day, the time, milliseconds;
  /// past the `]`. False (and no move) when it is not there.
  mutating func skipWallClock() -> Bool {
    var probe = self
    guard probe.take(prefix: " / "), probe.digits(2), probe.take(UInt8(ascii: "-")), probe.digits(2),
      probe.take(UInt8(ascii: " ")), probe.clock(), probe.take(UInt8(ascii: ".")),
      probe.decimal(maxDigits: 9) != nil, probe.take(UInt8(ascii: "]"))
    else { return false }
    self = probe
    return true
  }

  /// `HH:MM:SS`
  private mutating func clock() -> Bool {
    digits(2) && take(UInt8(ascii: ":")) && digits(2) && take(UInt8(ascii: ":")) && digits(2)
  }

  /// A month name: `Mar` in the C locale, or a word of letters outside ASCII
  /// (journalctl and rsyslog print the month of the user's locale: `июл`, `mär`).
  mutating func monthName() -> Bool {
    var probe = self
    if probe.letters(3) {
      self = probe
      return true
    }
    let start = position
    while let byte = peek(), byte >= 0x80 || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A),
      position - start < 16
    {
      position += 1
    }
    _ = take(UInt8(ascii: "."))
    guard position - start >= 2, base[start..<position].contains(where: { $0 >= 0x80 }) else {
      position = start
      return false
    }
    return true
  }

  /// A day's name: `Tue`, `Di`, or a word with letters outside ASCII (`Вт`, `mar.`).
  mutating func dayName() -> Bool {
    for count in [3, 2] {
      var probe = self
      if probe.letters(count), probe.peek() == UInt8(ascii: " ") || probe.take(UInt8(ascii: ".")) {
        self = probe
        return true
      }
    }
    return monthName()
  }

  /// RFC 3164: `Mar  3 10:11:12` (journalctl short prints `Mar 03`, and -o short-precise
  /// the microseconds: `Mar 03 10:11:12.380840`).
  mutating func skipSyslogDate() -> Bool {
    var probe = self
    guard probe.monthName(), probe.take(UInt8(ascii: " ")) else { return false }
    _ = probe.take(UInt8(ascii: " "))
    guard probe.decimal(maxDigits: 2) != nil, probe.take(UInt8(ascii: " ")), probe.clock() else {
      return false
    }
    var fraction = probe
    if fraction.take(UInt8(ascii: ".")), fraction.decimal(maxDigits: 9) != nil { probe = fraction }
    self = probe
    return true
  }

  /// `2026-03-03T10:11:12[.123456][+00:00|Z]` (journalctl -o short-iso, rsyslog).
  mutating func skipISODate() -> Bool {
    var probe = self
    guard probe.digits(4), probe.take(UInt8(ascii: "-")), probe.digits(2), probe.take(UInt8(ascii: "-")),
      probe.digits(2), probe.take(UInt8(ascii: "T")) || probe.take(UInt8(ascii: " ")), probe.clock()
    else { return false }
    if probe.take(UInt8(ascii: ".")) || probe.take(UInt8(ascii: ",")) { _ = probe.decimal() }
    if probe.take(UInt8(ascii: "Z")) {
    } else if probe.take(UInt8(ascii: "+")) || probe.take(UInt8(ascii: "-")) {
      guard probe.digits(2) else { return false }
      _ = probe.take(UInt8(ascii: ":"))
      guard probe.digits(2) else { return false }
    }
    self = probe
    return true
  }

  /// The clock a terminal program stamps on each line it logs from a serial console,
  /// outside the kernel's text: `[2021/07/05, 13:43:52.334] `, `[2021-07-05 13:43:52] `,
  /// the time alone, `[13:43:52.334] `, or bare right before a kernel timestamp. A date
  /// is year first, `/` or `-` between its fields; the time is `HH:MM:SS`, fractions
  /// after `.` or `,`.
  mutating func skipTerminalClock() -> Bool {
    // Without brackets only right before the kernel's own timestamp, blanks between
    // (a console-driving harness's log): `09:44:16  [    0.000000] text`, or with the
    // date first, `2016-09-28 02:12:08 [810422.485203] text`.
    var bare = self
    var day = bare
    if day.digits(4), day.take(UInt8(ascii: "-")), day.digits(2), day.take(UInt8(ascii: "-")), day.digits(2),
      day.take(UInt8(ascii: " "))
    {
      bare = day
    }
    if bare.clock(), bare.take(UInt8(ascii: " ")) {
      bare.skipSpaces()
      var stamp = bare
      if stamp.take(UInt8(ascii: "[")) {
        stamp.skipSpaces()
        if stamp.decimal(maxDigits: 12) != nil, stamp.take(UInt8(ascii: ".")) {
          self = bare
          return true
        }
      }
    }
    var probe = self
    guard probe.take(UInt8(ascii: "[")) else { return false }
    var dated = probe
    if dated.digits(4), let separator = dated.peek(),
      separator == UInt8(ascii: "/") || separator == UInt8(ascii: "-"),
      dated.take(separator), dated.digits(2), dated.take(separator), dated.digits(2)
    {
      _ = dated.take(UInt8(ascii: ","))
      guard dated.take(UInt8(ascii: " ")) || dated.take(UInt8(ascii: "T")) else { return false }
      probe = dated
    }
    guard probe.clock() else { return false }
    if probe.take(UInt8(ascii: ".")) || probe.take(UInt8(ascii: ",")) {
      guard probe.decimal(maxDigits: 9) != nil else { return false }
    }
    guard probe.take(UInt8(ascii: "]")) else { return false }
    probe.skipLoggerTags()
    _ = probe.take(UInt8(ascii: " "))
    self = probe
    return true
  }

  /// The source and level a host's logger writes right after its clock, glued to it:
  /// `[23:13:24.473][Moby           ][Info   ] ` (Docker for Windows' log of its VM's
  /// console). Only tags glued to the clock: kernel text after a clock is set apart by
  /// a blank, and may itself start with a tag (`[drm] Initialized`).
  private mutating func skipLoggerTags() {
    while peek() == UInt8(ascii: "["), let first = peek(1), (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A {
      var probe = self
      probe.advance()
      let start = probe.position
      while let byte = probe.peek(), byte != UInt8(ascii: "]"), probe.position - start < 32,
        byte == 0x20 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte.isSymbolByte
      {
        probe.advance()
      }
      guard probe.take(UInt8(ascii: "]")) else { return }
      self = probe
    }
  }

  /// dmesg -T: `[Tue Mar  3 10:11:12 2026] `, the names in the user's locale (German's
  /// two-letter days: `[Di Okt  7 13:03:30 2025] `).
  mutating func skipCtimeDate() -> Bool {
    var probe = self
    guard probe.take(UInt8(ascii: "[")), probe.dayName(), probe.take(UInt8(ascii: " ")),
      probe.skipSyslogDate(), probe.take(UInt8(ascii: " ")), probe.digits(4),
      probe.take(UInt8(ascii: "]"))
    else { return false }
    _ = probe.take(UInt8(ascii: " "))
    self = probe
    return true
  }

  /// A syslog export's prefix: the severity and facility by name (RFC 5424 §6.2.1's
  /// tables, the names of syslog(3)'s LOG_EMERG..LOG_DEBUG and LOG_KERN..LOG_LOCAL7),
  /// then RFC 5424's APP-NAME, PROCID and MSGID (`-` for none): `warning kern kernel - - `.
  /// The severity's number, 0 (emerg) to 7 (debug), the facility's, and the program.
  mutating func syslogExportPrefix() -> (
    severity: UInt8, facility: UInt8, program: UnsafeBufferPointer<UInt8>
  )? {
    // Most lines start with none of the names' first letters: no word to compare.
    guard let first = peek(), "eacwnid".utf8.contains(first) else { return nil }
    var probe = self
    let start = probe.position
    guard probe.skipWord() else { return nil }
    let severity = LineCursor.severities.firstIndex { probe.bytes(from: start).elementsEqual($0.utf8) }
    guard let severity, probe.take(UInt8(ascii: " ")) else { return nil }
    let facilityStart = probe.position
    guard probe.skipWord() else { return nil }
    let facility = LineCursor.facilities.firstIndex {
      probe.bytes(from: facilityStart).elementsEqual($0.utf8)
    }
    guard let facility, probe.take(UInt8(ascii: " ")) else { return nil }
    let programStart = probe.position
    guard probe.skipWord() else { return nil }
    let program = probe.bytes(from: programStart)
    guard probe.take(UInt8(ascii: " ")), probe.skipWord(), probe.take(UInt8(ascii: " ")), probe.skipWord(),
      probe.take(UInt8(ascii: " "))
    else { return nil }
    self = probe
    return (UInt8(severity), UInt8(facility), program)
  }

  /// A program and its process id, as the journal prints them: `systemd[1]:` (no blank
  /// or colon in the name, digits alone between the brackets, the colon right after).
  mutating func skipProgramWithPid() -> Bool {
    var probe = self
    let start = probe.position
    guard probe.skipUntil(UInt8(ascii: "[")), probe.position > start,
      !probe.bytes(from: start).contains(UInt8(ascii: ":")), probe.take(UInt8(ascii: "["))
    else { return false }
    let digitsStart = probe.position
    while let byte = probe.peek(), byte >= 0x30, byte <= 0x39 { probe.advance() }
    guard probe.position > digitsStart, probe.take(UInt8(ascii: "]")), probe.take(UInt8(ascii: ":")) else {
      return false
    }
    self = probe
    return true
  }

  /// A byte of a host name (RFC 1123 §2.1: letters, digits, hyphens, dots).
  static func isHostByte(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || byte >= 0x30 && byte <= 0x39 || byte == 0x2D
      || byte == 0x2E
  }

  static let severities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
  static let facilities = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
    "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5",
    "local6", "local7",
  ]

  /// `** 12 printk messages dropped ** `
  mutating func skipPrintkDropped() {
    var probe = self
    guard probe.take(prefix: "** "), probe.decimal() != nil,
      probe.take(prefix: " printk messages dropped ** ")
    else { return }
    self = probe
  }

  /// A shell prompt the console's output was printed after: `/ # [   12.3] text`,
  /// `root@host:~# [   12.3] text` (a serial console shared with a shell). Only a
  /// prompt of at most 64 bytes that ends in `# ` or `$ ` right before a timestamp.
  mutating func skipShellPrompt() {
    guard let first = peek(), first != UInt8(ascii: "[") else { return }
    var index = position
    let limit = min(base.count - 2, position + 64)
    while index < limit {
      let byte = base[index]
      if (byte == UInt8(ascii: "#") || byte == UInt8(ascii: "$")), base[index + 1] == UInt8(ascii: " "),
        base[index + 2] == UInt8(ascii: "[")
      {
        position = index + 2
        return
      }
      if byte == UInt8(ascii: "[") { return }
      index += 1
    }
  }

  /// A getty prompt glued before the kernel's output: `syzkaller login: `.
  mutating func skipLoginPrompt() {
    var probe = self
    guard probe.skipWord(), probe.take(prefix: " login: ") else { return }
    self = probe
  }
}
