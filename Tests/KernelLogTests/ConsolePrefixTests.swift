import XCTest

@testable import KernelLog

/// Every prefix users have in front of kernel messages, on bytes.
final class ConsolePrefixTests: XCTestCase {
  func record(_ line: String) throws -> LogRecord {
    try XCTUnwrap(records(line).first)
  }

  func records(_ text: String) -> [LogRecord] {
    KernelLogReader.records(in: Array(text.utf8))
  }

  func testTimestampAndCaller() throws {
    let task = try record("[  351.337674][ T6560] Unable to handle kernel paging request")
    XCTAssertEqual(task.text, "Unable to handle kernel paging request")
    XCTAssertEqual(task.timestampNanoseconds, 351_337_674_000)
    XCTAssertEqual(task.caller, .task(pid: 6560))
    let cpu = try record("[   12.000001][    C1] rcu: INFO: rcu_sched self-detected stall on CPU")
    XCTAssertEqual(cpu.caller, .cpu(1))
    XCTAssertEqual(cpu.text, "rcu: INFO: rcu_sched self-detected stall on CPU")
    let spaced = try record("[    1.5] [T12] text")
    XCTAssertEqual(spaced.caller, .task(pid: 12))
    XCTAssertEqual(spaced.timestampNanoseconds, 1_500_000_000)
  }

  func testSyslogLevel() throws {
    let line = try record("<4>[   12.345678] WARNING: CPU: 0 PID: 1 at kernel/x.c:1 f+0x1/0x2")
    XCTAssertEqual(line.level, 4)
    XCTAssertEqual(line.facility, 0)
    XCTAssertEqual(line.text, "WARNING: CPU: 0 PID: 1 at kernel/x.c:1 f+0x1/0x2")
  }

  func testDmesgHumanDates() throws {
    let line = try record("[Tue Mar  3 10:11:12 2026] BUG: kernel NULL pointer dereference, address: 0")
    XCTAssertEqual(line.text, "BUG: kernel NULL pointer dereference, address: 0")
    XCTAssertNil(line.timestampNanoseconds)
  }

  /// A terminal program's clock before each line of a serial console it logs, before or
  /// instead of the kernel's own timestamp; a printk timestamp has no colons and stays one.
  func testTerminalProgramClock() throws {
    let dated = try record(
      "[2021/07/05, 13:43:52.334] BUG: scheduling while atomic: ksoftirqd/0/3/0x00010102")
    XCTAssertEqual(dated.text, "BUG: scheduling while atomic: ksoftirqd/0/3/0x00010102")
    XCTAssertNil(dated.timestampNanoseconds)
    let iso = try record("[2024-01-02 03:04:05.678] [   12.345678] Oops: 0002 [#1] SMP")
    XCTAssertEqual(iso.text, "Oops: 0002 [#1] SMP")
    XCTAssertEqual(iso.timestampNanoseconds, 12_345_678_000)
    let time = try record("[13:43:52.334] [<c0245ca1>] (mutex_lock) from [<bfb5a1c1>] (handle_rx+0x70/0xd8)")
    XCTAssertEqual(time.text, "[<c0245ca1>] (mutex_lock) from [<bfb5a1c1>] (handle_rx+0x70/0xd8)")
    let printk = try record("[   13.435200] text")
    XCTAssertEqual(printk.timestampNanoseconds, 13_435_200_000)
    for kept in ["[2021/07/05] text", "[13:43] text", "[2021/07-05 13:43:52] text"] {
      XCTAssertEqual(try record(kept).text, kept)
    }
  }

  func testJournalAndSyslog() throws {
    let journal = try record("Mar 03 10:11:12 host kernel: [   12.345678] Oops: 0002 [#1] SMP")
    XCTAssertEqual(journal.text, "Oops: 0002 [#1] SMP")
    XCTAssertEqual(journal.timestampNanoseconds, 12_345_678_000)
    XCTAssertFalse(journal.isForeign)
    let plain = try record("Mar  3 10:11:12 host kernel: Kernel panic - not syncing: Fatal exception")
    XCTAssertEqual(plain.text, "Kernel panic - not syncing: Fatal exception")
    let iso = try record("2026-03-03T10:11:12.123456+00:00 host kernel: BUG: soft lockup")
    XCTAssertEqual(iso.text, "BUG: soft lockup")
    let other = try record("Mar 03 10:11:12 host sshd[812]: WARNING: something")
    XCTAssertTrue(other.isForeign)
  }

  /// syslogd's broadcast to terminals: its own header line, then the kernel's message.
  func testSyslogBroadcast() throws {
    let broadcast = records(
      "Message from syslogd@host at Jul 23 20:38:43 ...\n kernel:[  389.295092] Internal error: Oops - BUG: 0 [#1] SMP\n"
    )
    XCTAssertEqual(broadcast.count, 2)
    XCTAssertTrue(broadcast[0].isForeign)
    XCTAssertEqual(broadcast[1].text, "Internal error: Oops - BUG: 0 [#1] SMP")
    XCTAssertEqual(broadcast[1].timestampNanoseconds, 389_295_092_000)
    XCTAssertFalse(broadcast[1].isForeign)
  }

  /// A line made bold by a markdown paste loses the markers; the kernel's own rows of
  /// stars stay.
  func testMarkdownBoldLine() throws {
    let bold = try record(
      "[  236.312422] **Kernel panic - not syncing: EXT4-fs (device sda1): panic forced after error**")
    XCTAssertEqual(bold.text, "Kernel panic - not syncing: EXT4-fs (device sda1): panic forced after error")
    XCTAssertEqual(bold.timestampNanoseconds, 236_312_422_000)
    for kept in [
      "**********************************************************", "** 5 printk messages dropped **x",
      "** replaying previous printk message **",
    ] {
      XCTAssertEqual(try record(kept).text, kept)
    }
  }

  /// No-break spaces of a log pasted through mail or a web page read as spaces.
  func testNoBreakSpaces() throws {
    let line = try record("[\u{A0} 100.922476]\u{A0} irqfd_resampler_ack+0x32/0x90 [kvm]")
    XCTAssertEqual(line.text, " irqfd_resampler_ack+0x32/0x90 [kvm]")
    XCTAssertEqual(line.timestampNanoseconds, 100_922_476_000)
    XCTAssertEqual(try record("température 42\u{B0}C").text, "température 42\u{B0}C")
  }

  func testNetconsoleExtendedRecordAndDictionary() throws {
    let extended = records(
      "6,444,501151268,-;usb 1-1: new device\n SUBSYSTEM=usb\n DEVICE=c189:1\n4,445,501151300,-,caller=T12;next\n"
    )
    XCTAssertEqual(extended.count, 2)
    XCTAssertEqual(extended[0].text, "usb 1-1: new device")
    XCTAssertEqual(extended[0].sequence, 444)
    XCTAssertEqual(extended[0].level, 6)
    XCTAssertEqual(extended[0].timestampNanoseconds, 501_151_268_000)
    XCTAssertEqual(extended[0].dictionary.map(\.key), ["SUBSYSTEM", "DEVICE"])
    XCTAssertEqual(extended[0].dictionary.map(\.value), ["usb", "c189:1"])
    XCTAssertEqual(extended[1].caller, .task(pid: 12))
    XCTAssertEqual(extended[1].level, 4)
  }

  func testEscapesCarriageReturnsAndNul() throws {
    let bytes: [UInt8] =
      Array("\u{1B}[0;31m[    1.000000] BUG: x\u{1B}[0m\r\n".utf8) + [0x00, 0x41, 0xFF, 0x0A]
    let records = KernelLogReader.records(in: bytes)
    XCTAssertEqual(records.count, 2)
    XCTAssertEqual(records[0].text, "BUG: x")
    XCTAssertEqual(records[0].timestampNanoseconds, 1_000_000_000)
    XCTAssertEqual(records[1].text, "A\u{FFFD}")
  }

  func testLoginPromptAndDroppedMessages() throws {
    let login = try record("syzkaller login: [   50.946624] WARNING: CPU: 0 PID: 3081 at mm/x.c:1 f+0x1/0x2")
    XCTAssertEqual(login.text, "WARNING: CPU: 0 PID: 3081 at mm/x.c:1 f+0x1/0x2")
    let dropped = try record("** 12 printk messages dropped ** [   10.000000] BUG: y")
    XCTAssertEqual(dropped.text, "BUG: y")
  }

  func testSpansCoverEachLine() {
    let text = "[    1.0] a\n[    2.0] b\nc"
    let records = KernelLogReader.records(in: Array(text.utf8))
    XCTAssertEqual(records.map(\.span), [0..<11, 12..<23, 24..<25])
  }

  func testHostileBytesNeverTrap() {
    let samples: [[UInt8]] = [
      Array("[".utf8), Array("[ 99999999999999999999999.9]".utf8), Array("<999999>".utf8),
      Array("1,2,3".utf8), Array("1,2,3,;".utf8), Array("[1.2][T".utf8), Array("Mar 03 10:11:12".utf8),
      [0x1B], [0x1B, 0x5B], Array(repeating: 0xFF, count: 64),
    ]
    for sample in samples {
      _ = KernelLogReader.records(in: sample)
      _ = CrashReportParser().reports(inLog: sample)
    }
  }
}
