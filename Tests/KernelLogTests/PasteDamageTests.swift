import XCTest

@testable import KernelLog

/// Reports that reached their reader damaged by the way they were pasted: a mail
/// client's reflowing or wrapping, a program's output written over the console line.
final class PasteDamageTests: XCTestCase {
  func reports(_ text: String) -> [CrashReport] {
    CrashReportParser().reports(inLog: Array(text.utf8))
  }

  /// A reflowed mail glues `RIP:` to the end of the line before; the RIP names the
  /// fault even where it is not at a line's start, and a user-mode one stays out.
  func testInstructionPointerInsideAReflowedLine() throws {
    let report = try XCTUnwrap(
      reports(
        """
        BUG: kernel NULL pointer dereference, address: 0000000000000000
        Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI
        Hardware name: Gigabyte Technology Co., Ltd. To be filled by
        O.E.M./970A-DS3P, BIOS FD 02/26/2016 RIP: 0010:rb_next+0x0/0x50
        CR4: 00000000000406f0 Call Trace: <IRQ>
         htb_dequeue+0x42f/0x610 [sch_htb]
         __qdisc_run+0x253/0x480
         net_tx_action+0x182/0x1b0
        """
      ).first)
    XCTAssertEqual(report.title, "BUG: unable to handle kernel NULL pointer dereference in htb_dequeue")
    XCTAssertNil(StackTraceReader.instructionPointer(in: "systemd[1]: x RIP: 0033:0x7f6114a08f07"))
  }

  /// systemd's `[  OK  ] Started` written over the header's timestamp, then a mail
  /// client's wrap: the header still heads the timestamped lines after it.
  func testHeaderOverwrittenByAProgram() throws {
    let report = try XCTUnwrap(
      reports(
        """
        [  OK  ] Started    75.793015] BUG: kernel NULL pointer dereference,
        address: 0000000000000156
        [   75.822539] #PF: supervisor read access in kernel mode
        [   75.965868] RIP: 0010:submit_bio_noacct+0x21d/0x470
        [   76.192352] Call Trace:
        [   76.197257]  ext4_mpage_readpages+0x75c/0x790
        [   76.201794]  read_pages+0xa0/0x250
        """
      ).first)
    XCTAssertEqual(report.title, "BUG: unable to handle kernel NULL pointer dereference in submit_bio_noacct")
    XCTAssertFalse(report.corrupted)
  }

  /// A mail's raw quoted-printable form: `=3D` for `=`, and lines cut with a `=` at
  /// their end continued by the next line whole.
  func testQuotedPrintable() throws {
    let text = """
      [   60.1] netfs: R=3D000017d2[10] s=3Dda000-dbfff
      [   60.2] kernel BUG at fs/netfs/read_collect.c:316!
      [   60.3] CPU: 14 UID: 0 PID: 121 Comm: kworker/u64:7 Not t=
      ainted 6.12.48+deb13-amd64 #1
      [   60.4] RIP: 0010:netfs_consume_read_data.isra.0+0xb79/0x=
      b80 [netfs]
      [   60.5] Call Trace:
      [   60.6]  netfs_read_subreq_terminated+0x2ab/0x3e0 [netfs]
      """
    let records = KernelLogReader.records(in: Array(text.utf8))
    XCTAssertEqual(
      records.map(\.text),
      [
        "netfs: R=000017d2[10] s=da000-dbfff", "kernel BUG at fs/netfs/read_collect.c:316!",
        "CPU: 14 UID: 0 PID: 121 Comm: kworker/u64:7 Not tainted 6.12.48+deb13-amd64 #1",
        "RIP: 0010:netfs_consume_read_data.isra.0+0xb79/0xb80 [netfs]", "Call Trace:",
        " netfs_read_subreq_terminated+0x2ab/0x3e0 [netfs]",
      ])
    XCTAssertEqual(reports(text).first?.title, "kernel BUG in netfs_consume_read_data")
    // KASAN's rules of `=` signs are no soft breaks, however many.
    let rules = (0..<4).map { "[ 5.\($0)] ======\n[ 6.\($0)] text=3D" }.joined(separator: "\n")
    XCTAssertEqual(KernelLogReader.records(in: Array(rules.utf8)).count, 8)
    // A lone `=` at a line's end, in a log with no other mark, is the kernel's.
    XCTAssertEqual(
      KernelLogReader.records(in: Array("[ 1.0] cmdline: a=\n[ 2.0] b=1".utf8)).map(\.text),
      ["cmdline: a=", "b=1"])
  }

  /// A selection that started inside the header's timestamp, in a log with printk
  /// caller ids: the header joins the caller's lines after it.
  func testHeaderWithoutItsCallerId() throws {
    let report = try XCTUnwrap(
      reports(
        """
         9436.261653][    C4] Unable to handle kernel paging request at virtual address dead00000000012a
        [ 9436.261685][    C4] Internal error: Oops: 96000044 [#1] PREEMPT SMP
        [ 9436.262161][    C4] pc : expire_timers+0x9c/0x438
        [ 9436.262164][    C4] lr : expire_timers+0x2a4/0x438
        [ 9436.262300][    C4] Call trace:
        [ 9436.262301][    C4]  expire_timers+0x9c/0x438
        [ 9436.262302][    C4]  run_timer_softirq+0x8c/0x1c8
        """
      ).first)
    XCTAssertEqual(report.title, "BUG: unable to handle kernel paging request in expire_timers")
  }

  /// A mail client's wrap that kept the blank it cut at: the rest joins with one blank.
  func testWrapKeepingItsBlank() throws {
    let lines = (0..<8).map {
      "Aug 16 09:27:0\($0) h91 kernel: brcmfmac: brcmf_cfg80211_get_station RSSI -57 dBm"
    }
    let text =
      (lines + [
        "Aug 16 09:27:05 h91 kernel: Unable to handle kernel NULL pointer ",
        "dereference at virtual address 00000000000000cf",
      ]).joined(separator: "\n")
    XCTAssertEqual(
      KernelLogReader.records(in: Array(text.utf8)).last?.text,
      "Unable to handle kernel NULL pointer dereference at virtual address 00000000000000cf")
  }

  /// A hung task's header wrapped before `seconds.`.
  func testHungTaskHeaderWrappedBeforeSeconds() throws {
    let report = try XCTUnwrap(
      reports(
        """
        [ 3748.453561] INFO: task float_bessel:77920 blocked for more than 120
        seconds.
        [ 3748.474618] task:float_bessel    state:D stack:    0 pid:77920
        [ 3748.483358] Call Trace:
        [ 3748.488150]  __schedule+0x23d/0x590
        [ 3748.491804]  schedule+0x4e/0xc0
        [ 3748.495038]  rwsem_down_read_slowpath+0x336/0x390
        [ 3748.505181]  down_read+0x43/0xa0
        [ 3748.508518]  ext4_file_read_iter+0x5b/0x190
        """
      ).first)
    XCTAssertEqual(report.title, "INFO: task hung in ext4_file_read_iter")
    XCTAssertEqual(report.type, .hang)
  }

  /// A marker at the start of a wrapped line's rest: the window decoded around it backs
  /// up to the line it continues, and sees what the whole log sees.
  func testMarkerOnAWrappedRest() {
    let lines = (0..<8).map { "[    5.00000\($0)] brcmfmac: brcmf_cfg80211_get_station RSSI -57 dBm" }
    let text =
      (lines + [
        "[    6.000137] det_binder_of-tree module taints kernel.",
        "INFO: rcu detected stall in sched_show_task",
      ]).joined(separator: "\n")
    let bytes = Array(text.utf8)
    XCTAssertEqual(
      KernelLogReader.records(in: bytes).last?.text,
      "det_binder_of-tree module taints kernel. INFO: rcu detected stall in sched_show_task")
    bytes.withUnsafeBufferPointer { buffer in
      let restStart = text.utf8.count - "INFO: rcu detected stall in sched_show_task".utf8.count
      let window = KernelLogReader.records(in: buffer, linesFrom: restStart, to: buffer.count)
      XCTAssertEqual(window.map(\.text), [KernelLogReader.records(in: bytes).last?.text])
    }
    // Inside a kernel line, the words are no header, for either entry point.
    XCTAssertEqual(reports(text).map(\.title), [])
    XCTAssertEqual(CrashReportParser().reports(in: KernelLogReader.records(in: bytes)).map(\.title), [])
  }

  /// A mail client that wrapped KASAN's header right after `in`.
  func testSanitizerHeaderWrappedAfterIn() throws {
    let report = try XCTUnwrap(
      reports(
        """
        BUG: KASAN: slab-use-after-free in
        acpi_ut_valid_internal_object+0x5e/0x60
        drivers/acpi/acpica/utobject.c:319
        Read of size 1 at addr ffff888108821620 by task sh/6442

        Call Trace:
         <TASK>
         dump_stack_lvl+0x7b/0xa0 lib/dump_stack.c:120
         kasan_report+0xc6/0x100 mm/kasan/report.c:602
         acpi_ut_valid_internal_object+0x5e/0x60 drivers/acpi/acpica/utobject.c:319
         acpi_ut_add_reference+0x1d/0x40 drivers/acpi/acpica/utdelete.c:754
        """
      ).first)
    XCTAssertEqual(report.title, "KASAN: slab-use-after-free Read in acpi_ut_valid_internal_object")
  }
}
