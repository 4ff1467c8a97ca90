/// What a paste puts before the kernel's lines besides the transports' prefixes
/// (ConsolePrefix): a mail reply's quote marks and the clocks of `dmesg -H` and
/// `dmesg --time-format=iso`.
extension LineCursor {
  /// A mail reply's quote marks, `> `, `>> ` or `> > `, at the start of the line, the `| `
  /// some writers put before a log they paste into a mail, or ABRT's glued `:`. Quote
  /// marks only when a blank follows: s390's `Krnl Code` marks the faulting instruction
  /// with a `>` glued to its address (arch/s390/kernel/dis.c `show_code()`).
  mutating func skipMailQuote() {
    if peek() == UInt8(ascii: ":") {
      // ABRT's crash report mails (abrt's kernel oops reporter) put a colon before each
      // line of the oops, glued to it: `:WARNING: at net/sched/sch_generic.c:259 ...`.
      // No kernel line starts with a colon.
      var probe = self
      probe.advance()
      guard let next = probe.peek(), next != UInt8(ascii: " "), next != UInt8(ascii: ":") else { return }
      self = probe
      return
    }
    if peek() == UInt8(ascii: "|") {
      var probe = self
      probe.advance()
      guard probe.take(UInt8(ascii: " ")) else { return }
      self = probe
      return
    }
    guard peek() == UInt8(ascii: ">") else { return }
    var probe = self
    var end: Int?
    while probe.take(UInt8(ascii: ">")) {
      guard probe.take(UInt8(ascii: " ")) || probe.peek() == UInt8(ascii: ">") else { break }
      end = probe.position
      while probe.peek() == UInt8(ascii: " ") { probe.advance() }
    }
    guard let end else { return }
    self = LineCursor(base, position: end)
  }

  /// `dmesg -x` (util-linux's --decode): the facility's and the level's names, each
  /// padded to six columns and followed by a colon, `kern  :warn  : `. The level and
  /// facility, or nil (and no move).
  mutating func dmesgDecodePrefix() -> (level: UInt8, facility: UInt8)? {
    guard let first = peek(), "kudamlsnc".utf8.contains(first) else { return nil }
    var probe = self
    func name(_ names: [String]) -> Int? {
      let start = probe.position
      while let byte = probe.peek(), byte != UInt8(ascii: " "), byte != UInt8(ascii: ":") { probe.advance() }
      let word = probe.bytes(from: start)
      guard let index = names.firstIndex(where: { word.elementsEqual($0.utf8) }) else { return nil }
      probe.skipSpaces()
      return probe.take(UInt8(ascii: ":")) ? index : nil
    }
    guard let facility = name(LineCursor.facilities), let level = name(LineCursor.dmesgLevels),
      probe.take(UInt8(ascii: " "))
    else { return nil }
    self = probe
    return (UInt8(level), UInt8(facility))
  }

  /// util-linux dmesg's level names (sys-utils/dmesg.c), `warn` where syslog says `warning`.
  static let dmesgLevels = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"]

  /// `dmesg -H` (util-linux's --human): the date and minute, `[Jan 7 21:02] ` or
  /// `[Jan17 21:02] ` (`%b%e %H:%M`), on the first line of each minute, and the time
  /// since the line before, `[  +0.000005] `, on the others. Neither is the kernel's
  /// timestamp: the line keeps none.
  mutating func skipDmesgHumanTime() -> Bool {
    var probe = self
    guard probe.take(UInt8(ascii: "[")) else { return false }
    probe.skipSpaces()
    if probe.take(UInt8(ascii: "+")) {
      guard probe.decimal(maxDigits: 12) != nil, probe.take(UInt8(ascii: ".")),
        probe.decimal(maxDigits: 9) != nil
      else { return false }
    } else {
      guard probe.monthName() else { return false }
      _ = probe.take(UInt8(ascii: " "))
      guard probe.decimal(maxDigits: 2) != nil, probe.take(UInt8(ascii: " ")), probe.digits(2),
        probe.take(UInt8(ascii: ":")), probe.digits(2)
      else { return false }
    }
    guard probe.take(UInt8(ascii: "]")) else { return false }
    _ = probe.take(UInt8(ascii: " "))
    self = probe
    return true
  }

  /// `dmesg --time-format=iso` (util-linux): `2023-03-25T13:28:40,794781+02:00 ` and the
  /// kernel's text, no host or program after it. util-linux puts a comma before the
  /// microseconds, where syslog daemons' and journalctl's ISO dates have a dot or none:
  /// a line whose date has the comma is dmesg's, whatever words follow (`usb 1-1: ...`
  /// would read as a host and a program).
  mutating func skipDmesgISOTime() -> Bool {
    var probe = self
    let start = probe.position
    guard probe.skipISODate(), probe.bytes(from: start).contains(UInt8(ascii: ",")),
      probe.take(UInt8(ascii: " "))
    else { return false }
    self = probe
    return true
  }
}
