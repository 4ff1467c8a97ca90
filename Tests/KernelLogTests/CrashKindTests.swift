import XCTest

@testable import KernelLog

/// One short log per kind that production adds to the corpus's: each names its
/// kind and type.
final class CrashKindTests: XCTestCase {
  func report(_ lines: [String]) throws -> CrashReport {
    let text = lines.enumerated().map { "[   \(100 + $0.offset).000000] \($0.element)" }.joined(
      separator: "\n")
    return try XCTUnwrap(CrashReportParser().reports(inLog: Array(text.utf8)).first)
  }

  func testBootPanics() throws {
    let root = try report([
      "VFS: Cannot open root device \"vda1\" or unknown-block(0,0): error -6",
      "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
      "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-28-amd64 #1 Debian 6.1.119-1",
      "Call Trace:",
      " <TASK>",
      " dump_stack_lvl+0x44/0x5c",
      " panic+0x118/0x2ed",
      " mount_block_root+0x1d3/0x1e6",
      " prepare_namespace+0x136/0x165",
      " </TASK>",
    ])
    // The device varies from machine to machine: the title keeps the stable part
    // (PanicMessages).
    XCTAssertEqual(root.title, "kernel panic: VFS: Unable to mount root fs")
    XCTAssertEqual(root.type, .dos)
    XCTAssertEqual(root.guiltyFrame, "mount_block_root")
    XCTAssertTrue(root.panicked)
    let initDied = try report(["Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b"])
    XCTAssertEqual(initDied.title, "kernel panic: Attempted to kill init!")
  }

  func testOutOfMemoryPanic() throws {
    let oom = try report([
      "stress invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0",
      "Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled",
    ])
    XCTAssertEqual(oom.title, "kernel panic: Out of memory: system-wide panic_on_oom is enabled")
    XCTAssertEqual(oom.type, .dos)
  }

  func testWorkqueueLockupAndHardLockupPanic() throws {
    let workqueue = try report([
      "BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 31s!",
      "Showing busy workqueues and worker pools:",
    ])
    XCTAssertEqual(workqueue.title, "BUG: workqueue lockup")
    XCTAssertEqual(workqueue.type, .hang)
    let hard = try report(["Kernel panic - not syncing: Hard LOCKUP"])
    XCTAssertEqual(hard.title, "kernel panic: Hard LOCKUP")
  }

  func testListCorruptionAndBadPage() throws {
    let list = try report([
      "list_del corruption. prev->next should be ffff888012345678, but was dead000000000100",
      "------------[ cut here ]------------",
      "kernel BUG at lib/list_debug.c:62!",
      "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI",
      "RIP: 0010:__list_del_entry_valid.cold+0x1d/0x47",
      "Call Trace:",
      " <TASK>",
      " example_remove+0x2a/0x60 [example]",
      " process_one_work+0x1c7/0x380",
      " </TASK>",
    ])
    XCTAssertEqual(list.title, "BUG: corrupted list in example_remove")
    XCTAssertEqual(list.type, .memorySafetyBug)
    let page = try report([
      "BUG: Bad page state in process swapper/0  pfn:1a2b3",
      "page:00000000deadbeef refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x1a2b3",
      "Call Trace:",
      " <TASK>",
      " dump_stack_lvl+0x44/0x5c",
      " bad_page.cold+0x63/0x94",
      " free_pcp_prepare+0x1cc/0x2b0",
      " free_unref_page+0x1d/0x110",
      " example_free+0x1d/0x30 [example]",
      " </TASK>",
    ])
    XCTAssertEqual(page.title, "BUG: Bad page state in example_free")
  }

  func testDoubleFaultAndStackOverflow() throws {
    let overflow = try report([
      "BUG: TASK stack guard page was hit at ffffc90000a9ff58 (stack is ffffc90000aa0000..ffffc90000aa4000)",
      "stack guard page: 0000 [#1] PREEMPT SMP NOPTI",
      "RIP: 0010:recurse_fn+0x10/0x30 [example]",
      "Call Trace:",
      " <TASK>",
      " recurse_fn+0x1e/0x30 [example]",
      " recurse_fn+0x1e/0x30 [example]",
      " kthread+0xd7/0x100",
      " ret_from_fork+0x1f/0x30",
      " </TASK>",
    ])
    XCTAssertEqual(overflow.title, "BUG: stack guard page was hit in recurse_fn")
    XCTAssertEqual(overflow.altTitles, ["stack-overflow in recurse_fn"])
    let double = try report([
      "PANIC: double fault, error_code: 0x0",
      "RIP: 0010:broken_fn+0x4/0x10",
      "Call Trace:",
      " caller_fn+0x10/0x20",
    ])
    XCTAssertEqual(double.title, "PANIC: double fault in broken_fn")
    XCTAssertEqual(double.type, .dos)
  }

  /// powerpc's wordings of a bad kernel access (arch/powerpc/mm/fault.c), the function
  /// from the `NIP [..]` line, or from `LR [..]` when the NIP has no symbol.
  func testPowerpcBadKernelAccess() throws {
    let null = try report([
      "BUG: Kernel NULL pointer dereference on read at 0x00000039",
      "Faulting instruction address: 0xc0088c14",
      "Oops: Kernel access of bad area, sig: 11 [#1]",
      "NIP:  c0088c14 LR: c0088c10 CTR: c00178d0",
      "NIP [c0088c14] pick_task_fair+0x170/0x1ec",
      "LR [c0088c10] pick_task_fair+0x16c/0x1ec",
      "Call Trace:",
      "[c0ce1f00] [c0088c10] pick_task_fair+0x16c/0x1ec (unreliable)",
      "[c0ce1f30] [c0089c2c] pick_next_task_fair+0x3c/0x2a0",
      "[c0ce1f60] [c0a1b2f4] __schedule+0x1f4/0x7e0",
    ])
    XCTAssertEqual(null.title, "BUG: unable to handle kernel NULL pointer dereference in pick_task_fair")
    XCTAssertEqual(null.type, .nullPointerDereference)
    let fetch = try report([
      "BUG: Unable to handle kernel instruction fetch",
      "Faulting instruction address: 0xdeadbeef",
      "Oops: Kernel access of bad area, sig: 11 [#1]",
      "NIP [deadbeef] 0xdeadbeef",
      "LR [c06a2e10] sock_ioctl+0x90/0x3c0",
      "Call Trace:",
      "[c1e3fd20] [c06a2e10] sock_ioctl+0x90/0x3c0",
      "[c1e3fd60] [c02c1b54] sys_ioctl+0x60/0xb8",
    ])
    XCTAssertEqual(fetch.title, "BUG: unable to handle kernel paging request in sock_ioctl")
  }

  func testTypesFollowTitles() {
    XCTAssertEqual(CrashType.of(title: "KASAN: slab-use-after-free Write in f"), .kasanUseAfterFreeWrite)
    XCTAssertEqual(CrashType.of(title: "BUG: soft lockup in f"), .hang)
    XCTAssertEqual(CrashType.of(title: "possible deadlock in f"), .lockdep)
    XCTAssertEqual(CrashType.of(title: "WARNING: kernel stack regs has bad value"), .unknown)
    XCTAssertEqual(CrashType.of(title: "something else"), .unknown)
  }
}
