import XCTest

@testable import KernelLog

/// A mail reply's quote marks and `dmesg -H`'s clock before the kernel's lines.
final class PastedPrefixTests: XCTestCase {
  func texts(_ text: String) -> [String] {
    KernelLogReader.records(in: Array(text.utf8)).map(\.text)
  }

  func testMailQuoteMarks() throws {
    let records = KernelLogReader.records(
      in: Array("> [  466.310099] Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP\n".utf8))
    XCTAssertEqual(records.first?.text, "Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP")
    XCTAssertEqual(records.first?.timestampNanoseconds, 466_310_099_000)
    XCTAssertEqual(texts(">> [ 1.0] a\n> > [ 2.0] b\n>  [ 3.0] c"), ["a", "b", "c"])
    // s390's faulting instruction mark is not a quote.
    XCTAssertEqual(
      texts(">0000000024b3e776: b9a40034 uvc %r3,%r4,0"), [">0000000024b3e776: b9a40034 uvc %r3,%r4,0"])
    // A writer's `| ` before a pasted log, and a `|` that is text.
    XCTAssertEqual(
      texts("| pc : iommu_setup_default_domain+0x348/0x590\n|x| y"),
      ["pc : iommu_setup_default_domain+0x348/0x590", "|x| y"])
    // ABRT's colon glued to each line; a colon before a blank or another colon stays.
    XCTAssertEqual(
      texts(":WARNING: at net/sched/sch_generic.c:259 dev_watchdog+0x270/0x280()\n: x\n::y"),
      ["WARNING: at net/sched/sch_generic.c:259 dev_watchdog+0x270/0x280()", ": x", "::y"])
  }

  func testDmesgHumanClock() throws {
    let lines = texts(
      """
      [Jan 7 21:02] ------------[ cut here ]------------
      [  +0.000005] BTRFS: Transaction aborted (error -17)
      [Jan17 21:03] WARNING: CPU: 9 PID: 5589 at fs/btrfs/block-group.c:2788 f+0x5/0x5a0 [btrfs]
      """)
    XCTAssertEqual(
      lines,
      [
        "------------[ cut here ]------------", "BTRFS: Transaction aborted (error -17)",
        "WARNING: CPU: 9 PID: 5589 at fs/btrfs/block-group.c:2788 f+0x5/0x5a0 [btrfs]",
      ])
    XCTAssertNil(KernelLogReader.records(in: Array("[  +0.000005] text".utf8)).first?.timestampNanoseconds)
    // Not a clock: kernel text in brackets stays.
    XCTAssertEqual(texts("[Jan 7] text"), ["[Jan 7] text"])
  }

  /// A host's logger writes its source and level glued to its clock; a tag the kernel
  /// printed comes after a blank and stays.
  func testLoggerTagsAfterClock() {
    XCTAssertEqual(
      texts(
        """
        [23:13:24.485][Moby           ][Info   ] IP: [<ffffffffa5837cdf>] hv_get_ringbuffer_availbytes+0x3/0x29
        [23:13:24.486] [drm] Initialized
        """),
      ["IP: [<ffffffffa5837cdf>] hv_get_ringbuffer_availbytes+0x3/0x29", "[drm] Initialized"])
  }

  /// `dmesg --time-format=iso`: the date, then the kernel's text; a syslog daemon's ISO
  /// line keeps its host and program apart.
  func testDmesgISOClock() throws {
    XCTAssertEqual(
      texts(
        """
        2023-03-25T13:28:40,794800+02:00 RIP: 0010:do_raw_spin_lock+0x6/0xb0
        2023-03-25T13:28:40,794801+02:00 usb 1-1: new high-speed USB device number 2
        """),
      ["RIP: 0010:do_raw_spin_lock+0x6/0xb0", "usb 1-1: new high-speed USB device number 2"])
    let syslog = try XCTUnwrap(
      KernelLogReader.records(in: Array("2023-03-25T13:28:40.794800+02:00 host kernel: text".utf8)).first)
    XCTAssertEqual(syslog.text, "text")
  }
}
