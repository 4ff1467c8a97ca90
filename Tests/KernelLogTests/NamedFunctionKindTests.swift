import XCTest

@testable import KernelLog

/// Kinds whose header names the function, or whose title names none.
final class NamedFunctionKindTests: XCTestCase {
  /// The stack protector's panic names the function whose canary was overwritten: that
  /// is the guilty one, and the report is whole without a trace.
  func testStackProtectorPanicNamesItsFunction() throws {
    let panic = try report([
      "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: devres_release_all+0xb8/0xba",
      "CPU: 0 PID: 463 Comm: modprobe Not tainted 5.18.0-rc1 #1",
      "Call Trace:",
      "[<ffffffff80004b9a>] dump_backtrace+0x1c/0x24",
      "[<ffffffff806c2a8c>] panic+0x108/0x2e0",
      "[<ffffffff806c245a>] __stack_chk_fail+0x1c/0x20",
      "[<ffffffff8000a7b2>] generic_handle_arch_irq+0x4a/0x74",
    ])
    XCTAssertEqual(panic.title, "kernel panic: stack is corrupted in devres_release_all")
    XCTAssertEqual(panic.guiltyFrame, "devres_release_all")
    let bare = try report([
      "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ktime_get+0x3f2/0x400",
      "Call Trace:",
      "Kernel Offset: disabled",
    ])
    XCTAssertFalse(bare.corrupted)
  }

  /// syzkaller titles a bad page map without a function; the frame that called the
  /// reporter is still the culprit.
  func testBadPageMap() throws {
    let map = try report([
      "BUG: Bad page map in process modprobe  pte:20682653 pmd:20f23c01",
      "page dumped because: bad pte",
      "Call Trace:",
      "[<ffffffff8000f65a>] dump_stack+0x14/0x1c",
      "[<ffffffff80234b7e>] print_bad_pte+0x1b4/0x1ee",
      "[<ffffffff8023854a>] unmap_page_range+0x4da/0xf74",
      "[<ffffffff80244a70>] exit_mmap+0xb6/0x418",
    ])
    XCTAssertEqual(map.title, "BUG: Bad page map")
    XCTAssertEqual(map.guiltyFrame, "unmap_page_range")
  }
}
