import XCTest

@testable import KernelLog

/// One short log per kind that production adds to the corpus's: each names its
/// kind and type.
final class CrashKindTests: XCTestCase {
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

  /// SLUB's debug checks name the cache and the damage; the report's own `INFO:` lines
  /// (what allocated and freed the object) are part of it, not reports of their own.
  func testSlabDebugChecks() throws {
    let poison = try report([
      "=============================================================================",
      "BUG kmalloc-128 (Tainted: G      D         T): Poison overwritten",
      "-----------------------------------------------------------------------------",
      "INFO: 0xa0093f52-0xa0093f52 @offset=1296. First byte 0x6c instead of 0x6b",
      "INFO: Allocated in usb_alloc_urb+0x24/0x58 age=1380 cpu=0 pid=82",
      "INFO: Freed in acm_disconnect+0x124/0x194 [cdc_acm] age=521 cpu=0 pid=1566",
      "Object f99f52f8: 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk",
      "CPU: 0 PID: 1 Comm: systemd Tainted: G    B D         T 5.8.17 #1",
      "[<804765ec>] (dump_stack) from [<8026b508>] (check_bytes_and_report+0xcc/0xe8)",
      "[<8026b508>] (check_bytes_and_report) from [<8026cde8>] (check_object+0x248/0x2ac)",
      "[<8026cde8>] (check_object) from [<8026de04>] (alloc_debug_processing+0xc4/0x188)",
      "[<8026de04>] (alloc_debug_processing) from [<8026e4fc>] (___slab_alloc.constprop.0+0x634/0x6dc)",
      "[<8026e4fc>] (___slab_alloc.constprop.0) from [<8026ed14>] (kmem_cache_alloc+0x1a8/0x290)",
      "[<8026ed14>] (kmem_cache_alloc) from [<801dc7c8>] (push_stack+0x2c/0xf0)",
      "[<801dc7c8>] (push_stack) from [<801e3b34>] (check_cond_jmp_op+0xf0/0x780)",
    ])
    XCTAssertEqual(poison.title, "BUG: Poison overwritten in push_stack")
    XCTAssertEqual(poison.type, .dos)
    let double = try report(["BUG skbuff_head_cache (Tainted: G    B  ): Object already free"])
    XCTAssertEqual(double.title, "BUG: Object already free")
  }

  /// Lockdep of 2.6.18: every lock site is the mutex primitive; the task's trace after
  /// `stack backtrace:` names the caller.
  func testRecursiveLockingAtAPrimitiveOnly() throws {
    let recursive = try report([
      "=============================================",
      "[ INFO: possible recursive locking detected ]",
      "---------------------------------------------",
      "swapper/0 is trying to acquire lock:",
      " (cpu_bitmask_lock){--..}, at: [<c0304e9c>] mutex_lock+0x21/0x24",
      "but task is already holding lock:",
      " (cpu_bitmask_lock){--..}, at: [<c0304e9c>] mutex_lock+0x21/0x24",
      "stack backtrace:",
      " [<c01055db>] dump_stack+0x19/0x1b",
      " [<c013ae05>] __lock_acquire+0x74f/0x96d",
      " [<c013b566>] lock_acquire+0x4b/0x6d",
      " [<c0304d35>] __mutex_lock_slowpath+0xb0/0x1f6",
      " [<c0304e9c>] mutex_lock+0x21/0x24",
      " [<c013e8d4>] lock_cpu_hotplug+0x4a/0x4c",
      " [<c016bed3>] kmem_cache_create+0x61/0x577",
    ])
    XCTAssertEqual(recursive.title, "possible deadlock in lock_cpu_hotplug")
  }

  /// hung_task_panic with no blocked task's stack printed: khungtaskd's own trace after
  /// the panic is not the task's, and names nothing.
  func testHungTaskPanicWithoutTheTasksStack() throws {
    let hung = try report([
      "INFO: task shill:1572 blocked for more than 122 seconds.",
      "INFO: task kworker/1:2:24437 blocked for more than 122 seconds.",
      "Kernel panic - not syncing: hung_task: blocked tasks",
      "CPU: 1 PID: 55 Comm: khungtaskd Tainted: G        W         4.19.86 #137",
      "Call trace:",
      " dump_backtrace+0x0/0x170",
      " panic+0x12c/0x29c",
      " hung_task_panic+0x0/0x50",
      " kthread+0x120/0x130",
      " ret_from_fork+0x10/0x18",
    ])
    XCTAssertEqual(hung.title, "INFO: task hung in corrupted")
    XCTAssertTrue(hung.corrupted)
  }

  /// x86's fault before its interrupt table is set up, printed through early_printk
  /// without a timestamp.
  func testEarlyException() throws {
    let text = """
          PANIC: early exception 0x00 IP 10:ffffffffb01c32e2 error 0 cr2 0xffffa08649801000
          [    0.009710] RIP: 0010:clear_page_orig+0x12/0x40
          [    0.010310] Call Trace:
          [    0.010372]  ? early_fixup_exception+0xf7/0x190
          [    0.010501]  ? alloc_low_pages+0xeb/0x150
      """
    let early = try XCTUnwrap(CrashReportParser().reports(inLog: Array(text.utf8)).first)
    XCTAssertEqual(early.title, "PANIC: early exception in clear_page_orig")
    XCTAssertEqual(early.type, .dos)
  }

  /// dmesg prints a record's later lines under its text, without a timestamp: lockdep's
  /// `... which became SOFTIRQ-irq-safe at:` is one, and the trace after it names the
  /// lock order report.
  func testLockOrderSectionOnDmesgContinuationLines() throws {
    let text = """
      [ 7247.054971] WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected
      [ 7247.055002] read_all/8513 [HC0[0]:SC0[0]:HE0:SE1] is trying to acquire:
      [ 7247.055014] c0000006844864c8 (&fs->seq){+.+.}, at: file_path+0x24/0x40
      [ 7247.055107] which would create a new lock dependency:
      [ 7247.055150]
                     ... which became SOFTIRQ-irq-safe at:
      [ 7247.055196]   lock_acquire+0x130/0x360
      [ 7247.055221]   _raw_spin_lock_irq+0x68/0x90
      [ 7247.055230]   loop_free_idle_workers+0x44/0x3f0 [loop]
      [ 7247.055242]   call_timer_fn+0x110/0x5f0
      """
    let order = try XCTUnwrap(CrashReportParser().reports(inLog: Array(text.utf8)).first)
    XCTAssertEqual(order.title, "possible deadlock in loop_free_idle_workers")
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

  /// OpenZFS's condition-variable waits sleep for another thread, as wait_event does:
  /// the hung task's guilty frame is their caller.
  func testHungTaskInZfsConditionVariable() throws {
    let hung = try report([
      "INFO: task txg_sync:1296 blocked for more than 120 seconds.",
      "      Tainted: P           O      4.15.0-29-generic #31-Ubuntu",
      "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.",
      "txg_sync        D    0  1296      2 0x80000000",
      "Call Trace:",
      " __schedule+0x24e/0x880",
      " schedule+0x2c/0x80",
      " io_schedule+0x16/0x40",
      " cv_wait_common+0x121/0x130 [spl]",
      " ? wait_woken+0x80/0x80",
      " __cv_wait_io+0x18/0x20 [spl]",
      " zio_wait+0x123/0x210 [zfs]",
      " dsl_pool_sync+0xbf/0x430 [zfs]",
    ])
    XCTAssertEqual(hung.title, "INFO: task hung in zio_wait")
    XCTAssertEqual(hung.type, .hang)
  }

  /// Since Linux 5.3 lockdep saves the `-> #0` chain where it checks the dependency:
  /// its first frames are lockdep's own.
  func testCircularLockingChainStartsInLockdep() throws {
    let deadlock = try report([
      "======================================================",
      "WARNING: possible circular locking dependency detected",
      "5.8.0-rc1+ #575 Not tainted",
      "------------------------------------------------------",
      "mount/1024 is trying to acquire lock:",
      "ffff888065e0a4e0 (&fs_devs->device_list_mutex){+.+.}-{3:3}, at: clone_fs_devices+0x46/0x1f0 [btrfs]",
      "",
      "but task is already holding lock:",
      "ffff8880610508d0 (&fs_info->chunk_mutex){+.+.}-{3:3}, at: btrfs_read_chunk_tree+0xd1/0x390 [btrfs]",
      "",
      "-> #0 (&fs_devs->device_list_mutex){+.+.}-{3:3}:",
      "       check_prev_add+0xf5/0xf50",
      "       validate_chain+0xca7/0x1920",
      "       __lock_acquire+0x798/0xe50",
      "       lock_acquire+0x15a/0x4d0",
      "       __mutex_lock+0x116/0xbd0",
      "       clone_fs_devices+0x46/0x1f0 [btrfs]",
      "       read_one_dev+0x15f/0x930 [btrfs]",
    ])
    XCTAssertEqual(deadlock.title, "possible deadlock in clone_fs_devices")
    XCTAssertEqual(deadlock.type, .lockdep)
  }

  /// A symbolized report lists inlined functions as frames of their own (`[inline]`,
  /// no offset); the trace the kernel printed, where syzkaller titles, holds only the
  /// function they were inlined into.
  func testInlinedFramesAreNotGuilty() throws {
    let ubsan = try report([
      "------------[ cut here ]------------",
      "UBSAN: array-index-out-of-bounds in net/ipv6/route.c:1095:9",
      "index 255 is out of range for type 'const int[12]'",
      "CPU: 1 UID: 0 PID: 5835 Comm: kworker/1:3 Not tainted 6.15.0-rc3 #0 PREEMPT(full)",
      "Call Trace:",
      " <TASK>",
      " dump_stack_lvl+0x189/0x250 lib/dump_stack.c:120",
      " ubsan_epilogue+0xa/0x40 lib/ubsan.c:231",
      " __ubsan_handle_out_of_bounds+0xe9/0xf0 lib/ubsan.c:453",
      " ip6_rt_type_to_error net/ipv6/route.c:1095 [inline]",
      " ip6_rt_init_dst net/ipv6/route.c:1137 [inline]",
      " ip6_rt_copy_init+0x8e7/0x970 net/ipv6/route.c:1175",
      " ip6_pol_route+0xbac/0x1180 net/ipv6/route.c:2302",
      " </TASK>",
      "---[ end trace ]---",
    ])
    XCTAssertEqual(ubsan.title, "UBSAN: array-index-out-of-bounds in ip6_rt_copy_init")
    let hung = try report([
      "INFO: task syz-executor:5835 blocked for more than 143 seconds.",
      "task:syz-executor    state:D stack:25000 pid:5835  tgid:5835  ppid:5833   flags:0x00004006",
      "Call Trace:",
      " <TASK>",
      " context_switch kernel/sched/core.c:5401 [inline]",
      " __schedule+0x1a3c/0x4c70 kernel/sched/core.c:6788",
      " schedule+0x14b/0x320 kernel/sched/core.c:6865",
      " io_schedule+0x8d/0x110 kernel/sched/core.c:7745",
      " lock_metapage fs/jfs/jfs_metapage.c:50 [inline]",
      " __get_metapage+0x6f1/0x1080 fs/jfs/jfs_metapage.c:640",
      " diRead+0x1a4/0xa90 fs/jfs/jfs_imap.c:376",
      " </TASK>",
    ])
    XCTAssertEqual(hung.title, "INFO: task hung in __get_metapage")
  }

  /// A symbolizer prints a KASAN header once per function inlined at the access; the
  /// last, the kernel's own line, starts the report, its access line in reach.
  func testSanitizerHeaderRepeatedPerInlinedFunction() throws {
    let kasan = try report([
      "==================================================================",
      "BUG: KASAN: null-ptr-deref in instrument_atomic_read_write include/linux/instrumented.h:96 [inline]",
      "BUG: KASAN: null-ptr-deref in atomic_long_sub_and_test include/linux/atomic/atomic-instrumented.h:4521 [inline]",
      "BUG: KASAN: null-ptr-deref in put_cred_many include/linux/cred.h:255 [inline]",
      "BUG: KASAN: null-ptr-deref in put_cred include/linux/cred.h:269 [inline]",
      "BUG: KASAN: null-ptr-deref in io_unregister_personality io_uring/register.c:82 [inline]",
      "BUG: KASAN: null-ptr-deref in __io_uring_register io_uring/register.c:698 [inline]",
      "BUG: KASAN: null-ptr-deref in __se_sys_io_uring_register+0x1227/0x3b60 io_uring/register.c:879",
      "Write of size 8 at addr 0000000000000406 by task syz-executor274/5828",
      "",
      "CPU: 1 UID: 0 PID: 5828 Comm: syz-executor274 Not tainted 6.13.0-rc1 #0",
      "Call Trace:",
      " <TASK>",
      " dump_stack_lvl+0x241/0x360 lib/dump_stack.c:120",
      " print_report+0xe8/0x550 mm/kasan/report.c:492",
      " kasan_report+0x143/0x180 mm/kasan/report.c:602",
      " kasan_check_range+0x282/0x290 mm/kasan/generic.c:189",
      " instrument_atomic_read_write include/linux/instrumented.h:96 [inline]",
      " put_cred include/linux/cred.h:269 [inline]",
      " __se_sys_io_uring_register+0x1227/0x3b60 io_uring/register.c:879",
      " do_syscall_64+0xf3/0x230 arch/x86/entry/common.c:83",
      " entry_SYSCALL_64_after_hwframe+0x77/0x7f",
      " </TASK>",
    ])
    XCTAssertEqual(kasan.title, "KASAN: null-ptr-deref Write in io_uring_register")
    XCTAssertEqual(kasan.type, .kasanNullPointerDereferenceWrite)
    XCTAssertEqual(kasan.guiltyFrame, "__se_sys_io_uring_register")
  }

  /// arm64's string routines under their position-independent names, and PREEMPT_RT's
  /// sleeping spinlocks, are machinery like memcpy and mutex_lock.
  func testPositionIndependentAndRealtimeLockFrames() throws {
    let null = try report([
      "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000",
      "Mem abort info:",
      "Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP",
      "pc : __pi_memcpy_generic+0x128/0x22c",
      "lr : rproc_boot+0x1c0/0x350",
      "Call trace:",
      " __pi_memcpy_generic+0x128/0x22c",
      " rproc_boot+0x1c0/0x350",
      " state_store+0x4c/0x100",
    ])
    XCTAssertEqual(null.title, "BUG: unable to handle kernel NULL pointer dereference in rproc_boot")
    let atomic = try report([
      "BUG: scheduling while atomic: kworker/0:1H/83/0x00000002",
      "CPU: 0 PID: 83 Comm: kworker/0:1H Not tainted 6.6.0-rt15 #1",
      "Call trace:",
      " dump_backtrace+0x98/0xf0",
      " show_stack+0x18/0x24",
      " dump_stack_lvl+0x48/0x60",
      " __schedule_bug+0x58/0x74",
      " __schedule+0x7d0/0x900",
      " schedule_rtlock+0x20/0x40",
      " rtlock_slowlock_locked+0x370/0xdb0",
      " rt_spin_lock+0x50/0x70",
      " mmc_blk_mq_req_done+0x64/0x160",
      " meson_mmc_irq_thread+0x34/0x60",
    ])
    XCTAssertEqual(atomic.title, "BUG: scheduling while atomic in mmc_blk_mq_req_done")
  }

  /// A stall while PID 1 runs the initcalls is named by the frame it was caught in:
  /// kernel_init() has no loop of its own.
  func testBootStallNamesTheTopFrame() throws {
    let stall = try report([
      "rcu: INFO: rcu_sched self-detected stall on CPU",
      "rcu:     0-....: (5999 ticks this GP) idle=0104/1/0x4000000000000002 softirq=2/2 fqs=2997",
      "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 5.14.0-427.33.1.el9_4.s390x #1",
      "Krnl PSW : 0704c00180000000 0000000024b3e776 (set_memory_decrypted+0x66/0xa0)",
      "Call Trace:",
      " [<0000000024b3e776>] set_memory_decrypted+0x66/0xa0",
      " [<0000000024c0b17a>] dma_direct_alloc+0x16a/0x2d0",
      " [<0000000025ebb7ea>] channel_subsystem_init+0x22/0xf8",
      " [<0000000024b149ac>] do_one_initcall+0x3c/0x200",
      " [<0000000025e77a34>] kernel_init_freeable+0x1cc/0x208",
      " [<00000000254ad01e>] kernel_init+0x2e/0x170",
      " [<0000000024b16fdc>] __ret_from_fork+0x3c/0x60",
      " [<00000000254bb07a>] ret_from_fork+0xa/0x40",
    ])
    XCTAssertEqual(stall.title, "INFO: rcu detected stall in set_memory_decrypted")
  }

  /// A soft lockup caught in an entry point's own loop, the trace below it cut off,
  /// is named by that loop; a kthread worker's loop is no entry point.
  func testStallInsideAnEntryPointAndKthreadWorker() throws {
    let lockup = try report([
      "watchdog: BUG: soft lockup - CPU#3 stuck for 25s! [swapper/3:0]",
      "CPU: 3 PID: 0 Comm: swapper/3 Tainted: G             L     6.5.3-arch1-1 #1",
      "Call Trace:",
      " <IRQ>",
      " watchdog_timer_fn+0x1e2/0x220",
      " __hrtimer_run_queues+0x10f/0x2b0",
      " hrtimer_interrupt+0xf8/0x230",
      " asm_sysvec_apic_timer_interrupt+0x1a/0x20",
      "RIP: 0010:__do_softirq+0x7c/0x2c8",
      "RSP: 0018:ffffb8e5c01d8f90 EFLAGS: 00000246",
    ])
    XCTAssertEqual(lockup.title, "BUG: soft lockup in __do_softirq")
    let stall = try report([
      "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
      "NMI backtrace for cpu 1",
      "Call Trace:",
      " <IRQ>",
      " advance_sched+0xab/0xca0",
      " hrtimer_interrupt+0x403/0xa40",
      " </IRQ>",
      " <TASK>",
      "RIP: 0010:finish_task_switch+0x1ea/0x870",
      "RSP: 0018:ffffc9000418f9d8 EFLAGS: 00000246",
      " context_switch kernel/sched/core.c:5381 [inline]",
      " __schedule+0x18c4/0x4c40",
      " schedule+0x14b/0x320",
      " kthread_worker_fn+0x491/0xb70",
      " kthread+0x7a9/0x920",
      " ret_from_fork+0x4b/0x80",
    ])
    XCTAssertEqual(stall.title, "INFO: rcu detected stall in kthread_worker_fn")
  }

  /// Lines that name a crash no kernel printed: syzkaller's bisection log and the
  /// kernel test robot's harness.
  func testToolLinesNamingACrashAreNotReports() {
    let text = """
      run #3: crashed: BUG: MAX_LOCKDEP_KEYS too low!
      representative crash: BUG: MAX_LOCKDEP_KEYS too low!, types: [UNKNOWN]
      BUG: kernel hang in boot stage
      """
    XCTAssertEqual(CrashReportParser().reports(inLog: Array(text.utf8)).count, 0)
  }

  /// A stall in sendmsg is titled by the syscall where no socket dispatch frame is
  /// printed (syzkaller's anchors), and a checksum routine names itself.
  func testSendmsgStallAndChecksumFrames() throws {
    let stall = try report([
      "watchdog: BUG: soft lockup - CPU#1 stuck for 27s! [syz-executor.0:6132]",
      "pc : __local_bh_enable_ip+0x228/0x44c",
      "Call trace:",
      " batadv_tt_local_purge+0x264/0x2e8",
      " batadv_netlink_set_mesh+0x50c/0x1078",
      " genl_rcv_msg+0x4a8/0x6c8",
      " netlink_sendmsg+0x83c/0xb20",
      " sock_sendmsg_nosec net/socket.c:730 [inline]",
      " ____sys_sendmsg+0x56c/0x840",
      " __sys_sendmsg+0x26c/0x33c",
      " __arm64_sys_sendmsg+0x80/0x94",
      " invoke_syscall+0x98/0x2b8",
      " el0_svc_common+0x130/0x23c",
    ])
    XCTAssertEqual(stall.title, "BUG: soft lockup in sys_sendmsg")
    let kmsan = try report([
      "BUG: KMSAN: uninit-value in __crc32c_le_base+0x43c/0xd80",
      " __crc32c_le_base+0x43c/0xd80",
      " chksum_update+0x5b/0xd0",
      " crypto_shash_update+0x79/0xa0",
    ])
    XCTAssertEqual(kmsan.title, "KMSAN: uninit-value in __crc32c_le_base")
    let assertion = try report([
      "assertion failed: list_empty(&block_group->bg_list), in fs/btrfs/block-group.c:4289",
      "------------[ cut here ]------------",
      "kernel BUG at fs/btrfs/messages.c:259!",
      "invalid opcode: 0000 [#1] PREEMPT SMP KASAN",
      "RIP: 0010:btrfs_assertfail+0x19/0x1b [btrfs]",
      "Call Trace:",
      " <TASK>",
      " btrfs_free_block_groups.cold+0x52/0xae [btrfs]",
      " close_ctree+0x6c2/0x761 [btrfs]",
    ])
    XCTAssertEqual(assertion.title, "kernel BUG in btrfs_free_block_groups")
    let slab = try report([
      "Unable to handle kernel paging request at virtual address 0006100000000000",
      "TPC: <free_block+0x60/0x16c>",
      "I7: <cache_flusharray+0xac/0xf4>",
      "Call Trace:",
      "  [000000000055eaa4] cache_flusharray+0xac/0xf4",
      "  [000000000055e5fc] kmem_cache_free+0xfc/0x1d8",
      "  [000000000054139c] remove_vma+0x68/0x78",
    ])
    XCTAssertEqual(slab.title, "BUG: unable to handle kernel paging request in remove_vma")
    let atomic = try report([
      "BUG: scheduling while atomic: qemu-system-loo/1362/0x00000002",
      "Call Trace:",
      " [<9000000004e45734>] __schedule+0x1114/0x1660",
      " [<9000000004e46040>] schedule_rtlock+0x20/0x60",
      " [<9000000004e4f038>] rt_spin_lock+0x58/0x80",
      " [<9000000003b02d68>] hrtimer_cancel_wait_running+0x68/0xc0",
      " [<9000000003b02e30>] hrtimer_cancel+0x70/0x80",
      " [<ffff80000235eb70>] kvm_restore_timer+0x50/0x1a0 [kvm]",
    ])
    XCTAssertEqual(atomic.title, "BUG: scheduling while atomic in kvm_restore_timer")
  }

  /// A hard lockup's NMI interrupted an irq_work that kept interrupts off: the
  /// `<IRQ>` section is the loop, named by the work's function.
  func testHardLockupInsideAnInterrupt() throws {
    let lockup = try report([
      "watchdog: CPU3: Watchdog detected hard LOCKUP on cpu 3",
      "CPU: 3 UID: 0 PID: 1515 Comm: syncobj_timelin Tainted: G     U  6.17.0-rc6 #1 PREEMPT(voluntary)",
      "RIP: 0010:lock_release+0x13d/0x2a0",
      "RSP: 0018:ffffc90000170e70 EFLAGS: 00000057",
      "Call Trace:",
      " <IRQ>",
      " dma_fence_chain_get_prev+0x13d/0x240",
      " dma_fence_chain_walk+0xbd/0x200",
      " dma_fence_chain_irq_work+0x1b/0x80",
      " irq_work_single+0x75/0xa0",
      " irq_work_run+0x18/0x40",
      " __sysvec_irq_work+0x35/0x170",
      " </IRQ>",
      " <TASK>",
      " asm_sysvec_irq_work+0x1b/0x20",
      "RIP: 0010:_raw_spin_unlock_irq+0x2d/0x70",
      "RSP: 0018:ffffc9000070fca0 EFLAGS: 00000246",
      " sync_timeline_signal+0x153/0x2c0",
      " sw_sync_ioctl+0x98/0x580",
      " __x64_sys_ioctl+0xa2/0x100",
      " do_syscall_64+0x93/0x980",
    ])
    XCTAssertEqual(lockup.title, "BUG: hard lockup in dma_fence_chain_irq_work")
  }

  /// A kernel thread created and never woken sleeps in kthread() itself; i386's
  /// unwinder prints `entry_INT80_32` below its ret_from_fork.
  func testHungTaskInAThreadNeverWoken() throws {
    let hung = try report([
      "INFO: task UVCG:82 blocked for more than 491 seconds.",
      "task:UVCG            state:D stack:0     pid:82    tgid:82    ppid:2      flags:0x00004000",
      "Call Trace:",
      " __schedule+0x3a1/0xa60",
      " schedule+0x2f/0xe0",
      " schedule_preempt_disabled+0x12/0x20",
      " kthread+0x8e/0x140",
      " ret_from_fork+0x2d/0x40",
      " ret_from_fork_asm+0x12/0x18",
      " entry_INT80_32+0xf0/0xf0",
    ])
    XCTAssertEqual(hung.title, "INFO: task hung in kthread")
  }

  /// /sys/kernel/debug/kmemleak pasted as it is: no `BUG: memory leak` before it.
  func testLeakedObjectsWithoutAHarnessHeader() throws {
    let leak = try report([
      "unreferenced object 0x80c93c80 (size 128):",
      "  comm \"kmodloader\", pid 326, jiffies 4294937906 (age 20379.570s)",
      "  backtrace:",
      "    [<801526bc>] __kmalloc_track_caller+0x204/0x25c",
      "    [<801275c4>] memdup_user+0x30/0xc8",
      "    [<8012769c>] strndup_user+0x40/0x68",
      "    [<800dcf10>] load_module+0x18c8/0x2390",
    ])
    XCTAssertEqual(leak.title, "memory leak in load_module")
    XCTAssertEqual(leak.type, .leak)
  }

  /// A sleep helper is where the caller chose to sleep: the caller is named.
  func testSchedulingWhileAtomicInASleepHelper() throws {
    let atomic = try report([
      "BUG: scheduling while atomic: udevd/163/0x00000002",
      "[<8065d720>] (__schedule_bug+0x44/0x5c) from [<80663340>] (__schedule+0x4e4/0x58c)",
      "[<80663340>] (__schedule+0x4e4/0x58c) from [<80662780>] (schedule_hrtimeout_range_clock+0xd8/0x144)",
      "[<80662780>] (schedule_hrtimeout_range_clock+0xd8/0x144) from [<80033d84>] (usleep_range+0x48/0x50)",
      "[<80033d84>] (usleep_range+0x48/0x50) from [<802a24d8>] (imx6_pcie_link_up+0x38/0x150)",
      "[<802a24d8>] (imx6_pcie_link_up+0x38/0x150) from [<802a1898>] (dw_pcie_valid_config+0x3c/0x8c)",
    ])
    XCTAssertEqual(atomic.title, "BUG: scheduling while atomic in imx6_pcie_link_up")
  }

  /// EFI's `Oops: efitime:` message is no oops: the WARNING after it is the report.
  func testOopsWordInAMessage() throws {
    let warning = try report([
      "Oops: efitime: can't read time!",
      "------------[ cut here ]------------",
      "WARNING: at arch/x86/mm/ioremap.c:102 __ioremap_caller+0x307/0x380()",
      "Call Trace:",
      " [<c0446352>] warn_slowpath_common+0x72/0xa0",
      " [<c0427557>] __ioremap_caller+0x307/0x380",
      " [<c0427627>] ioremap_cache+0x17/0x20",
    ])
    XCTAssertEqual(warning.title, "WARNING in __ioremap_caller")
  }

  /// A hung task asleep in a locked page lookup or an rwsem thunk of x86 before 4.16 is
  /// named by the caller.
  func testHungTaskInPageLookupAndRwsemThunk() throws {
    let lookup = try report([
      "INFO: task cp:4121 blocked for more than 122 seconds.",
      "Call Trace:",
      " __schedule+0x3b4/0xc10",
      " io_schedule+0x46/0x70",
      " folio_wait_bit_common+0x13d/0x350",
      " __filemap_get_folio+0x1d1/0x370",
      " nfs_write_begin+0x5a/0x2e0 [nfs]",
      " generic_perform_write+0x10a/0x270",
    ])
    XCTAssertEqual(lookup.title, "INFO: task hung in nfs_write_begin")
    let thunk = try report([
      "INFO: task kworker/0:1:45 blocked for more than 120 seconds.",
      "Call Trace:",
      " [<ffffffff816b3c89>] schedule+0x29/0x70",
      " [<ffffffff816b52d5>] rwsem_down_write_failed+0x195/0x320",
      " [<ffffffff8131e253>] call_rwsem_down_write_failed+0x13/0x20",
      " [<ffffffffa01e5ad9>] xlog_cil_push+0x89/0x3e0 [xfs]",
    ])
    XCTAssertEqual(thunk.title, "INFO: task hung in xlog_cil_push")
  }

  /// arm's unwinder since 5.16 names a module's function with its module before `from`.
  func testArmFramesOfModules() throws {
    let warning = try report([
      "WARNING: CPU: 0 PID: 13250 at net/wireless/sme.c:1181 cfg80211_roamed+0x3a8/0x408 [cfg80211]",
      " __warn from warn_slowpath_fmt+0x60/0xcc",
      " warn_slowpath_fmt from cfg80211_roamed+0x3a8/0x408 [cfg80211]",
      " cfg80211_roamed [cfg80211] from brcmf_bss_roaming_done+0x15c/0x230 [brcmfmac]",
      " brcmf_bss_roaming_done [brcmfmac] from brcmf_notify_roaming_status+0x40/0x64 [brcmfmac]",
    ])
    XCTAssertEqual(warning.title, "WARNING in cfg80211_roamed")
    XCTAssertEqual(warning.frames.first { $0.function == "brcmf_bss_roaming_done" }?.module, "brcmfmac")
  }

  func testTypesFollowTitles() {
    XCTAssertEqual(CrashType.of(title: "KASAN: slab-use-after-free Write in f"), .kasanUseAfterFreeWrite)
    XCTAssertEqual(CrashType.of(title: "BUG: soft lockup in f"), .hang)
    XCTAssertEqual(CrashType.of(title: "possible deadlock in f"), .lockdep)
    XCTAssertEqual(CrashType.of(title: "WARNING: kernel stack regs has bad value"), .unknown)
    XCTAssertEqual(CrashType.of(title: "something else"), .unknown)
  }
}
