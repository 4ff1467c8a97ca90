/// The prefixes that transports put in front of a kernel message, parsed from the
/// bytes of one line. Several may stack: `Mar 03 10:11:12 host kernel: [ 12.3][ T1] text`.
///
/// Formats: `[%5lu.%06lu]` and the `[T%u]`/`[C%u]` caller of `print_time()` and
/// `print_caller()` in kernel/printk/printk.c; `<%u>` of `info_print_prefix()`;
/// dmesg -T's ctime dates; RFC 3164 syslog and journalctl's short format; the
/// `/dev/kmsg` record of Documentation/ABI/testing/dev-kmsg that netconsole's
/// extended mode sends; the clock a terminal program logging a serial console puts
/// first (`LineCursor.skipTerminalClock`); a mail reply's quote marks and `dmesg -H`'s
/// clock (PastedPrefixes.swift).
struct ConsolePrefix {
  /// Offset of the message text inside the line.
  var textStart: Int = 0
  var timestampNanoseconds: UInt64?
  var level: UInt8?
  var facility: UInt8?
  var sequence: UInt64?
  var caller: LogRecord.Caller?
  /// A syslog line from another program than the kernel.
  var isForeign = false
  /// The line is a `/dev/kmsg` record (its continuation lines carry a dictionary).
  var isExtendedRecord = false
  /// The line came through a syslog daemon (`host kernel: text`), which may have
  /// escaped the message's control characters (`RsyslogEscapes`).
  var isSyslog = false
}

extension ConsolePrefix {
  /// Parses the prefixes at the start of `line` (already cleaned of \r and escapes).
  init(parsing line: UnsafeBufferPointer<UInt8>) {
    self.init()
    var cursor = LineCursor(line)
    if parseExtendedRecord(&cursor) {
      textStart = cursor.position
      return
    }
    cursor.skipMailQuote()
    if let decoded = cursor.dmesgDecodePrefix() {
      level = decoded.level
      facility = decoded.facility
    }
    _ = cursor.skipTerminalClock()
    cursor.skipPrintkDropped()
    cursor.skipLoginPrompt()
    if !cursor.skipDmesgISOTime() { parseSyslog(&cursor) }
    parseLevel(&cursor)
    _ = cursor.skipCtimeDate() || cursor.skipDmesgHumanTime()
    cursor.skipShellPrompt()
    let syslogEnd = cursor.position
    parseTimestamp(&cursor)
    if timestampNanoseconds != nil, syslogEnd == 0 { parseMonotonicJournal(&cursor) }
    cursor.skipLoginPrompt()
    skipModuleTag(&cursor)
    textStart = cursor.position
  }

  /// MediaTek's Android kernels tag each message with the module that printed it,
  /// `[name:bug&]kernel BUG at ...`, after the task's name when the caller is shown:
  /// `[C201134] rxq0_pus: [name:mrdump&]pc : ...`.
  private func skipModuleTag(_ cursor: inout LineCursor) {
    var probe = cursor
    if probe.peek() != UInt8(ascii: "[") {
      // The task's name: at most 16 bytes (TASK_COMM_LEN), then `: `.
      guard probe.advance(past: UInt8(ascii: ":"), within: 17), probe.take(UInt8(ascii: " ")) else { return }
    }
    guard probe.take(prefix: "[name:"), probe.advance(past: UInt8(ascii: "]"), within: 32) else { return }
    cursor = probe
  }

  /// journalctl -o short-monotonic: the timestamp, then the host and the program,
  /// `[    7.886893] host kernel: text` or `[    7.8] host systemd[1]: text`, or the
  /// program alone, `[    7.886893] kernel: text`. Another program's line is taken only
  /// with its `[pid]`, so that a kernel message whose second word ends in a colon (`usb
  /// 1-1: new device`) stays the kernel's.
  private mutating func parseMonotonicJournal(_ cursor: inout LineCursor) {
    var probe = cursor
    // Without a host (a journal read with `-o short-monotonic` and the host left out,
    // or cut out when pasted): `[  720.913122] kernel: Call Trace:`.
    if probe.take(prefix: "kernel: ") {
      cursor = probe
      return
    }
    let hostStart = probe.position
    guard probe.skipWord(), probe.bytes(from: hostStart).allSatisfy(LineCursor.isHostByte),
      probe.take(UInt8(ascii: " "))
    else { return }
    if probe.take(prefix: "kernel: ") || probe.take(prefix: "kernel:") {
      cursor = probe
      return
    }
    guard probe.skipProgramWithPid() else { return }
    _ = probe.take(UInt8(ascii: " "))
    isForeign = true
    cursor = probe
  }

  /// `6,444,501151268,-;text` or `4,12,99,-,caller=T12;text`: level and facility
  /// packed as `facility << 3 | level`, sequence, microseconds, flags.
  private mutating func parseExtendedRecord(_ cursor: inout LineCursor) -> Bool {
    var probe = cursor
    // netconsole's `release` option (drivers/net/netconsole.c, extended messages only)
    // puts the kernel's release before the record: `6.7.0,4,867,194880202,-;text`.
    if let first = probe.peek(), first >= 0x30, first <= 0x39 {
      var release = probe
      let start = release.position
      while let byte = release.peek(), byte != UInt8(ascii: ","), byte != UInt8(ascii: " ") {
        release.advance()
      }
      if release.bytes(from: start).contains(UInt8(ascii: ".")), release.take(UInt8(ascii: ",")) {
        probe = release
      }
    }
    guard let packed = probe.decimal(), probe.take(UInt8(ascii: ",")),
      let sequence = probe.decimal(), probe.take(UInt8(ascii: ",")),
      let micros = probe.decimal(), probe.take(UInt8(ascii: ","))
    else { return false }
    var caller: LogRecord.Caller?
    while let byte = probe.peek(), byte != UInt8(ascii: ";") {
      if probe.take(prefix: "caller=") {
        caller = probe.callerTag()
      } else {
        probe.advance()
      }
    }
    guard probe.take(UInt8(ascii: ";")) else { return false }
    level = UInt8(truncatingIfNeeded: packed & 7)
    facility = UInt8(truncatingIfNeeded: min(packed >> 3, 255))
    self.sequence = sequence
    timestampNanoseconds = micros.multipliedReportingOverflow(by: 1000).partialValue
    self.caller = caller
    isExtendedRecord = true
    cursor = probe
    return true
  }

  /// `Mar  3 10:11:12 host kernel: ` or `2026-03-03T10:11:12.123+00:00 host kernel: `.
  private mutating func parseSyslog(_ cursor: inout LineCursor) {
    var probe = cursor
    // A paste into mail or markdown indents every line.
    probe.skipSpaces()
    // syslogd's broadcast of an emergency message to logged-in terminals (the `*`
    // action of syslog.conf(5)): a `Message from syslogd@host at date ...` line of its
    // own, then the message as ` kernel:[  389.29] text`.
    if probe.take(prefix: "Message from syslogd@") {
      isForeign = true
      return
    }
    if probe.take(prefix: "kernel:") {
      isSyslog = true
      cursor = probe
      return
    }
    // A syslog export whose every line leads with the severity and facility names,
    // then RFC 5424's APP-NAME, PROCID and MSGID (`-` for none): `warning kern kernel
    // - - text`.
    var named = probe
    if let export = named.syslogExportPrefix() {
      isForeign = !export.program.elementsEqual("kernel".utf8)
      isSyslog = true
      level = export.severity
      facility = export.facility
      cursor = named
      return
    }
    guard probe.skipSyslogDate() || probe.skipISODate(), probe.take(UInt8(ascii: " ")) else {
      return
    }
    // Files written by some syslog daemons and kernel logs copied out of them carry no
    // host name (`May 17 18:48:11 kernel: text`), or an empty one between two blanks
    // (`Dec  3 13:12:40  kernel: text`, rsyslog's file format with no host known).
    probe.skipSpaces()
    if probe.take(prefix: "kernel: ") || probe.take(prefix: "kernel:") {
      isSyslog = true
      cursor = probe
      return
    }
    // /dev/kmsg read and handed to a syslog daemon as it is: the record after the date, as
    // a netconsole receiver writes it, or after the host (`May 25 07:29:42 host
    // 0,16627,40311380557,-,caller=C0;text`). Each line has its own prefix, so no line
    // continues a record.
    func takeRecord(_ at: LineCursor) -> Bool {
      var record = at
      guard parseExtendedRecord(&record) else { return false }
      isExtendedRecord = false
      isSyslog = true
      cursor = record
      return true
    }
    if takeRecord(probe) { return }
    guard probe.skipWord(), probe.take(UInt8(ascii: " ")) else { return }
    if takeRecord(probe) { return }
    let identStart = probe.position
    guard probe.skipUntil(UInt8(ascii: ":")) else { return }
    let ident = probe.bytes(from: identStart)
    guard probe.take(UInt8(ascii: ":")) else { return }
    _ = probe.take(UInt8(ascii: " "))
    isForeign = !ident.elementsEqual("kernel".utf8)
    isSyslog = true
    cursor = probe
  }

  private mutating func parseLevel(_ cursor: inout LineCursor) {
    var probe = cursor
    guard probe.take(UInt8(ascii: "<")), let value = probe.decimal(maxDigits: 3),
      probe.take(UInt8(ascii: ">"))
    else { return }
    level = UInt8(truncatingIfNeeded: value & 7)
    facility = UInt8(truncatingIfNeeded: min(value >> 3, 255))
    cursor = probe
  }

  /// `[  12.345678]`, then an optional `[ T123]` or `[   C1]`.
  private mutating func parseTimestamp(_ cursor: inout LineCursor) {
    var probe = cursor
    // Logs pasted into mail or markdown are often indented: blanks before the
    // timestamp belong to the paste, not to the message.
    probe.skipSpaces()
    // A paste with the editor's line numbers: `247 [ 1425.681532] text`.
    if let first = probe.peek(), first >= 0x30, first <= 0x39 {
      var numbered = probe
      if numbered.decimal(maxDigits: 7) != nil, numbered.take(UInt8(ascii: " ")) {
        numbered.skipSpaces()
        if numbered.peek() == UInt8(ascii: "[") { probe = numbered }
      }
    }
    guard probe.take(UInt8(ascii: "[")) else { return }
    probe.skipSpaces()
    guard let seconds = probe.decimal(maxDigits: 12), probe.take(UInt8(ascii: ".")) else { return }
    let fractionStart = probe.position
    guard let fraction = probe.decimal(maxDigits: 9) else { return }
    let digits = probe.position - fractionStart
    // LG's Android kernels add the wall clock to the timestamp: `[19318.464370 / 11-29
    // 21:16:45.862]`.
    guard probe.take(UInt8(ascii: "]")) || probe.skipWallClock() else { return }
    var nanos = fraction
    for _ in digits..<9 { nanos = nanos &* 10 }
    timestampNanoseconds = seconds &* 1_000_000_000 &+ nanos
    cursor = probe
    // Samsung's Exynos kernels (CONFIG_EXYNOS_... printk extensions): the level as a
    // letter, then the CPU, the task's name and its pid, `[26496.42]I[4:  napi/wlan0-33:
    // 467] text`. The CPU stands for the context, as a `[C4]` caller would.
    var exynos = probe
    if let letter = exynos.peek(), letter >= UInt8(ascii: "A"), letter <= UInt8(ascii: "Z") {
      exynos.advance()
      if exynos.take(UInt8(ascii: "[")), let cpu = exynos.decimal(maxDigits: 4),
        exynos.take(UInt8(ascii: ":")),
        exynos.advance(past: UInt8(ascii: "]"), within: 40)
      {
        caller = .cpu(UInt32(truncatingIfNeeded: cpu))
        cursor = exynos
        _ = cursor.take(UInt8(ascii: " "))
        return
      }
    }
    var callerProbe = probe
    _ = callerProbe.take(UInt8(ascii: " "))
    if callerProbe.take(UInt8(ascii: "[")) {
      callerProbe.skipSpaces()
      if let tag = callerProbe.callerTag(), callerProbe.take(UInt8(ascii: "]")) {
        caller = tag
        cursor = callerProbe
      }
    }
    _ = cursor.take(UInt8(ascii: " "))
  }
}
