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

  /// journalctl -o short-precise: the syslog date with microseconds.
  func testJournalShortPrecise() throws {
    let line = try record("Sep 29 15:53:17.380999 pop-os kernel:  __schedule+0x268/0x680")
    XCTAssertEqual(line.text, " __schedule+0x268/0x680")
  }

  /// A syslog daemon's line that carries a `/dev/kmsg` record after the host.
  func testKmsgRecordInSyslog() throws {
    let line = try record("May 25 07:29:42 x 0,16627,40311380557,-,caller=C0;BUG: workqueue lockup - pool")
    XCTAssertEqual(line.text, "BUG: workqueue lockup - pool")
    XCTAssertEqual(line.caller, .cpu(0))
  }

  /// A netconsole receiver's file: the date, no host, and the record with the kernel's
  /// release before it (netconsole's `release` option).
  func testNetconsoleReleaseAfterDate() throws {
    let line = try record("Jan 15 22:27:39 6.7.0,4,870,194880547,-,caller=T3523;RIP: 0010:f+0x498/0xea0")
    XCTAssertEqual(line.text, "RIP: 0010:f+0x498/0xea0")
    XCTAssertEqual(line.caller, .task(pid: 3523))
    XCTAssertEqual(try record("6.1.0-13-amd64,6,12,99,-;text").text, "text")
  }

  /// A console log file's date and time before the kernel's timestamp.
  func testHostDateAndClockBeforeTimestamp() throws {
    let line = try record("2016-09-28 02:12:08 [810422.711026]  [] __split_huge_page_pmd+0x81/0xc0")
    XCTAssertEqual(line.text, " [] __split_huge_page_pmd+0x81/0xc0")
    XCTAssertEqual(line.timestampNanoseconds, 810_422_711_026_000)
  }

  /// Samsung's Exynos kernels: a level letter and `[cpu: comm: pid]` after the timestamp.
  func testExynosTaskTag() throws {
    let line = try record(
      "[26496.422665]I[4:  napi/wlan0-33:  467] WARNING: CPU: 4 PID: 467 at x.c:1 f+0x1/0x2")
    XCTAssertEqual(line.text, "WARNING: CPU: 4 PID: 467 at x.c:1 f+0x1/0x2")
    XCTAssertEqual(line.caller, .cpu(4))
  }

  /// LG's Android kernels: the wall clock inside the timestamp's brackets.
  func testWallClockInTheTimestamp() throws {
    let line = try record("[19318.464413 / 11-29 21:16:45.862] kernel BUG at fs/f2fs/node.c:2207!")
    XCTAssertEqual(line.text, "kernel BUG at fs/f2fs/node.c:2207!")
    XCTAssertEqual(line.timestampNanoseconds, 19_318_464_413_000)
    // Not a clock: the line keeps its text.
    XCTAssertNil(try record("[19318.464413 / x] text").timestampNanoseconds)
  }

  /// MediaTek's Android kernels: the printing module's tag, after the task's name.
  func testMediatekModuleTag() throws {
    let line = try record(
      "[118.470848] [C201134] rxq0_pus: [name:mrdump&]pc : [0xffffffd79598aefc] f+0x1/0x2")
    XCTAssertEqual(line.text, "pc : [0xffffffd79598aefc] f+0x1/0x2")
    XCTAssertEqual(
      try record("[name:panic&]WARNING: CPU: 3 PID: 298 at x.c:604").text,
      "WARNING: CPU: 3 PID: 298 at x.c:604")
    XCTAssertEqual(StackTraceReader.instructionPointer(in: line.text)?.function, "f")
    // A task's name without the tag is the message's own text.
    XCTAssertEqual(try record("[118.4] [C2] usb 1-1: new device").text, "usb 1-1: new device")
  }

  /// `dmesg -x`: facility and level by name before the timestamp.
  func testDmesgDecodePrefix() throws {
    let line = try record("kern  :warn  : [   61.767679] WARNING: CPU: 1 PID: 26 at f.c:328 f+0x3d/0x210")
    XCTAssertEqual(line.text, "WARNING: CPU: 1 PID: 26 at f.c:328 f+0x3d/0x210")
    XCTAssertEqual(line.level, 4)
    XCTAssertEqual(line.timestampNanoseconds, 61_767_679_000)
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
    // A German locale's two-letter day.
    XCTAssertEqual(
      try record("[Di Okt  7 13:03:30 2025]  f+0x2ab/0x3e0 [netfs]").text, " f+0x2ab/0x3e0 [netfs]")
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
    // A harness's bare clock is taken only before the kernel's timestamp.
    let bare = try record(
      "09:44:16  [    0.000000] WARNING: CPU: 0 PID: 0 at kernel/static_call_inline.c:153")
    XCTAssertEqual(bare.text, "WARNING: CPU: 0 PID: 0 at kernel/static_call_inline.c:153")
    XCTAssertEqual(bare.timestampNanoseconds, 0)
    for kept in ["09:44:13  kexec -e", "12:00:01 [sda] Attached SCSI disk", "09:44:16  [console-expect]#"] {
      XCTAssertEqual(try record(kept).text, kept)
    }
  }

  /// A syslog export that leads each line with the severity and facility names, then
  /// RFC 5424's APP-NAME, PROCID and MSGID.
  func testSeverityAndFacilityNames() throws {
    let kernel = try record("emerg kern kernel - - watchdog: BUG: soft lockup - CPU#7 stuck for 17117s!")
    XCTAssertEqual(kernel.text, "watchdog: BUG: soft lockup - CPU#7 stuck for 17117s!")
    XCTAssertEqual(kernel.level, 0)
    XCTAssertEqual(kernel.facility, 0)
    XCTAssertFalse(kernel.isForeign)
    let frame = try record("warning kern kernel - -  filemap_read+0xd2/0x340")
    XCTAssertEqual(frame.text, " filemap_read+0xd2/0x340")
    XCTAssertEqual(frame.level, 4)
    let daemon = try record("info daemon systemd 1 - Started Session 3 of user root.")
    XCTAssertTrue(daemon.isForeign)
    XCTAssertEqual(daemon.facility, 3)
    for kept in ["info: kern kernel - - text", "err kern kernel", "warning kernel kernel - - text"] {
      XCTAssertEqual(try record(kept).text, kept)
    }
  }

  /// rsyslog's files: an empty host name between two blanks, and control characters
  /// escaped as `#` and three octal digits.
  func testRsyslogFiles() throws {
    let empty = try record("Dec  3 13:12:40  kernel: dump_stack_lvl (lib/dump_stack.c:124)")
    XCTAssertEqual(empty.text, "dump_stack_lvl (lib/dump_stack.c:124)")
    XCTAssertFalse(empty.isForeign)
    let chain = try record(
      "Jul 17 10:05:25 host kernel: #012-> #0 (&fs_devs->device_list_mutex){+.+.}-{3:3}:")
    XCTAssertEqual(chain.text, "\n-> #0 (&fs_devs->device_list_mutex){+.+.}-{3:3}:")
    let bare = try record("kernel: #012 *** DEADLOCK ***#011x")
    XCTAssertEqual(bare.text, " \n *** DEADLOCK ***\tx")
    // Only a syslog daemon's lines: the kernel's own text keeps what it printed.
    XCTAssertEqual(try record("[   12.345678] build #012 of 20").text, "build #012 of 20")
    XCTAssertEqual(try record("Jul 17 10:05:25 host kernel: #013 #0 #01").text, "#013 #0 #01")
  }

  /// journalctl -o short-monotonic: the timestamp first, then host and program.
  func testMonotonicJournal() throws {
    let kernel = try record("[    7.886893] fmac.local kernel: WARNING: possible circular locking")
    XCTAssertEqual(kernel.text, "WARNING: possible circular locking")
    XCTAssertEqual(kernel.timestampNanoseconds, 7_886_893_000)
    XCTAssertFalse(kernel.isForeign)
    let hostless = try record("[  720.913122] kernel: Call Trace:")
    XCTAssertEqual(hostless.text, "Call Trace:")
    XCTAssertEqual(hostless.timestampNanoseconds, 720_913_122_000)
    let program = try record("[    7.833724] fmac.local systemd-journald[642]: Time spent on flushing")
    XCTAssertTrue(program.isForeign)
    XCTAssertEqual(program.text, "Time spent on flushing")
    // Kernel messages whose second word ends in a colon stay as printed.
    for kept in ["usb 1-1: new high-speed USB device", "sd 0:0:0:0: [sda] Attached", "ata1.00: failed[1]: x"]
    {
      let line = try record("[    1.000000] " + kept)
      XCTAssertEqual(line.text, kept)
      XCTAssertFalse(line.isForeign)
    }
  }

  /// A paste a mail client wrapped: the rest of a line, with no prefix, joins the
  /// kernel line before it where no line of the stretch is longer than 80 columns.
  func testMailWrappedLinesRejoined() {
    let wrapped = """
      [    7.886889] fmac.local kernel:
      [    7.886893] fmac.local kernel: WARNING: possible circular locking
      dependency detected
      [    7.886895] fmac.local kernel: 5.2.0-0.rc2.git1.2.fc31.x86_64 #1 Not tainted
      [    7.886897] fmac.local kernel: systemd-journal/642 is trying to acquire lock:
      [    7.886899] fmac.local kernel: (____ptrval____)
      (&fs_info->reloc_mutex){+.+.}, at:
      btrfs_record_root_in_trans+0x44/0x70 [btrfs]
      [    7.886926] fmac.local kernel:
                                        but task is already holding lock:
      [    7.887365] fmac.local kernel:  dump_stack+0x85/0xc0
      [    7.887367] fmac.local kernel:  print_circular_bug.cold+0x15c/0x195

      """
    let joined = records(wrapped)
    XCTAssertEqual(
      joined.map(\.text),
      [
        "", "WARNING: possible circular locking dependency detected",
        "5.2.0-0.rc2.git1.2.fc31.x86_64 #1 Not tainted", "systemd-journal/642 is trying to acquire lock:",
        "(____ptrval____) (&fs_info->reloc_mutex){+.+.}, at: btrfs_record_root_in_trans+0x44/0x70 [btrfs]",
        "", "                                  but task is already holding lock:", " dump_stack+0x85/0xc0",
        " print_circular_bug.cold+0x15c/0x195",
      ])
    XCTAssertEqual(joined[4].span?.count, 130)
    // The same lines beside a register dump, whose lines run past 80 columns: a log
    // copied whole, where an unprefixed line is another program's.
    let registers = String(
      repeating:
        "[    7.887370] fmac.local kernel: RAX: 0000000000000000 RBX: ffff8881 RCX: 0000000000000002\n",
      count: 2)
    let whole = records(registers + wrapped)
    XCTAssertEqual(whole.count, 2 + 12)
    XCTAssertEqual(whole[3].text, "WARNING: possible circular locking")
    XCTAssertEqual(whole[4].text, "dependency detected")
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
