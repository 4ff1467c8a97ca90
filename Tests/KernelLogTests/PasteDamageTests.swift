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
}
