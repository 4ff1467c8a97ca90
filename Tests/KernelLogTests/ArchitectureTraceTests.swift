import XCTest

@testable import KernelLog

/// Register dumps and traces of the architectures whose `show_regs()` and
/// `show_trace()` print in shapes of their own.
final class ArchitectureTraceTests: XCTestCase {
  /// m68k: `Stack from ADDR:` heads raw stack words, and the first frame is printed on
  /// the `Call Trace:` line itself.
  func testM68kStackWordsAndCallTraceLine() throws {
    let oops = try report([
      "Unable to handle kernel NULL pointer dereference at virtual address 00000000",
      "Oops: 00000000",
      "PC: [<000593d6>] __raw_spin_lock_init+0x6/0x1c",
      "SR: 2000  SP: 0086bef8  a2: 0086f440",
      "Process swapper (pid: 0, task=0086f440)",
      "Stack from 0086bf60:",
      "        0099d64c 00000000 007ff7a1 0092e6c0 00000002 008eed3c 00938c60 0099cf92",
      "Call Trace: [<0099d64c>] ss_rstat_init+0x5a/0x66",
      " [<0099cf92>] cgroup_init_subsys+0x102/0x1b4",
      " [<0099d300>] cgroup_init+0x18e/0x47c",
    ])
    XCTAssertEqual(oops.title, "BUG: unable to handle kernel NULL pointer dereference in ss_rstat_init")
    XCTAssertEqual(
      oops.frames.map(\.function),
      ["__raw_spin_lock_init", "ss_rstat_init", "cgroup_init_subsys", "cgroup_init"])
    XCTAssertNil(StackFrame.parse("Stack from 0086bf60:"))
    XCTAssertEqual(
      StackFrame.parse(" unwind_backtrace from show_stack+0x10/0x14")?.function, "unwind_backtrace")
  }

  /// x86-64 before 2.6.24: `<address>{symbol+decimal}`, several frames a line, the
  /// first on the `Call Trace:` line; `+0` words are stale function pointers.
  func testX86_64BraceFrames() throws {
    let bug = try report([
      "Kernel BUG at mm/slab.c:1849",
      "invalid operand: 0000 [1] SMP",
      "RIP: 0010:[<ffffffff8016e84c>] <ffffffff8016e84c>{free_block+316}",
      "RSP: 0018:ffff81007fe79d58  EFLAGS: 00010002",
      "Call Trace:<ffffffff8016eb2c>{drain_array_locked+188} <ffffffff80171119>{cache_reap+233}",
      "       <ffffffff80149581>{worker_thread+545} <ffffffff80171030>{cache_reap+0}",
      "       <ffffffff8014dced>{kthread+221} <ffffffff8010ed46>{child_rip+8}",
    ])
    XCTAssertEqual(
      bug.frames.map(\.function),
      [
        "free_block", "drain_array_locked", "cache_reap", "worker_thread", "cache_reap", "kthread",
        "child_rip",
      ])
    XCTAssertEqual(bug.frames.map(\.reliable), [true, true, true, true, false, true, true])
    XCTAssertEqual(bug.frames[1].offset, 188)
    XCTAssertEqual(StackFrame.parse(" <ffffffff88012345>{:ext3:ext3_get_block+45}")?.module, "ext3")
    XCTAssertNil(PackedFrameLine.split("RIP: 0010:[<ffffffff8016e84c>] <ffffffff8016e84c>{free_block+316}"))
    // i386 of 2.6.16 to 2.6.18: `<address> symbol+0x1/0x2`, two a line.
    let i386 = try report([
      "kernel BUG at mm/swapfile.c:352!",
      "invalid opcode: 0000 [#1]",
      "EIP is at remove_exclusive_swap_page+0xb/0xe3",
      "Call Trace:",
      " <c0149109> free_page_and_swap_cache+0x1b/0x2a  <c0142645> unmap_vmas+0x297/0x490",
      " <c0144ddd> exit_mmap+0x50/0xbc  <c011814e> mmput+0x1f/0x76",
    ])
    XCTAssertEqual(
      i386.frames.map(\.function),
      ["remove_exclusive_swap_page", "free_page_and_swap_cache", "unmap_vmas", "exit_mmap", "mmput"])
    XCTAssertFalse(i386.corrupted)
  }

  /// arm: an RCU stall that caught a softirq run on the way out of an interrupt of the
  /// idle loop names the softirq, not the irq domain code of the interrupt below it.
  func testArmStallInSoftirqOverIdle() throws {
    let stall = try report([
      "rcu: INFO: rcu_sched self-detected stall on CPU",
      "[<c01b8a64>] (update_process_times) from [<c01cd8f4>] (tick_sched_timer+0x50/0xa0)",
      "[<c052eb50>] (gic_handle_irq) from [<c0101a70>] (__irq_svc+0x70/0x98)",
      "Exception stack(0xc1301e30 to 0xc1301e78)",
      "[<c0101a70>] (__irq_svc) from [<c01022dc>] (__do_softirq+0xa4/0x3c8)",
      "[<c01022dc>] (__do_softirq) from [<c012f0ac>] (irq_exit+0x13c/0x168)",
      "[<c012f0ac>] (irq_exit) from [<c0195fb4>] (__handle_domain_irq+0x60/0xb4)",
      "[<c0195fb4>] (__handle_domain_irq) from [<c052eb50>] (gic_handle_irq+0x4c/0x90)",
      "[<c052eb50>] (gic_handle_irq) from [<c0101a70>] (__irq_svc+0x70/0x98)",
      "Exception stack(0xc1301f10 to 0xc1301f58)",
      "[<c0101a70>] (__irq_svc) from [<c0109490>] (arch_cpu_idle+0x3c/0x40)",
      "[<c0109490>] (arch_cpu_idle) from [<c0160ae0>] (do_idle+0x1bc/0x2b0)",
      "[<c0160ae0>] (do_idle) from [<c0160f7c>] (cpu_startup_entry+0x18/0x1c)",
    ])
    XCTAssertEqual(stall.title, "INFO: rcu detected stall in __do_softirq")
  }

  /// sparc64: the faulting function is on the `TPC:` line only; the trace starts at
  /// its caller.
  func testSparc64TrapPC() throws {
    let fault = try report([
      "Unable to handle kernel paging request at virtual address 00000001108ca000",
      "tsk->{mm,active_mm}->context = 0000000000000555",
      "TSTATE: 0000000011001606 TPC: 00000000007a5800 TNPC: 00000000007a5804 Y: 00000000    Not tainted",
      "TPC: <lookup_swap_cgroup_id+0x40/0x80>",
      "g0: fff000023f800040 g1: 0000000010000000 g2: 00000001008ca000 g3: 000000000153a8b8",
      "RPC: <0x0>",
      "I7: <swap_pte_batch+0x40/0x160>",
      "Call Trace:",
      "[<00000000007173e0>] swap_pte_batch+0x40/0x160",
      "[<0000000000719998>] unmap_page_range+0x718/0x1200",
    ])
    XCTAssertEqual(fault.title, "BUG: unable to handle kernel paging request in lookup_swap_cgroup_id")
    let caller = StackTraceReader.registerFrame(
      in: "I7: <swap_pte_batch+0x40/0x160>", names: StackTraceReader.linkRegisterNames)
    XCTAssertEqual(caller?.function, "swap_pte_batch")
  }

  /// arm: the slab stacks `mem_dump_obj()` prints under `Register r0 information:`
  /// are not the oops's trace, which follows the stack words.
  func testArmRegisterInformationIsNotTheTrace() throws {
    let oops = try report([
      "Unable to handle kernel paging request at virtual address 2c86c000",
      "Internal error: Oops: 5 [#1] SMP ARM",
      "PC is at percpu_counter_add_batch+0x28/0xc4",
      "LR is at 0x0",
      "Register r0 information: slab net_namespace start c9a98ec0 pointer offset 1344 allocated at copy_net_ns+0x78/0x27c",
      "    kmem_cache_alloc+0x328/0x43c",
      "    copy_net_ns+0x78/0x27c",
      " Free path:",
      "    cleanup_net+0x2e0/0x3c4",
      "Register r1 information: NULL pointer",
      "Process rngd (pid: 295, stack limit = 0xf0188000)",
      "Stack: (0xf0001ed8 to 0xf0002000)",
      "1ee0: 00000001 00000000 c25da080 c231efd0 c23aef04 c1325f00 00000020 c25da080",
      " percpu_counter_add_batch from dst_destroy+0x11c/0x130",
      " dst_destroy from rcu_core+0x3c8/0x1140",
      " rcu_core from __do_softirq+0x130/0x538",
    ])
    XCTAssertEqual(oops.title, "BUG: unable to handle kernel paging request in dst_destroy")
    XCTAssertFalse(oops.frames.map(\.function).contains("cleanup_net"))
  }

  /// arm64: a fault whose `fault_info[]` row sends it to `do_bad()` is printed by
  /// its name (`unknown 43` before the LPA2 rows had names).
  func testArm64FaultNamedByItsTableRow() throws {
    let oops = try report([
      "Unable to handle kernel unknown 43 at virtual address 0001ffff9e2e7d78",
      "Mem abort info:",
      "  ESR = 0x000000009793002b",
      "Internal error: Oops: 000000009793002b [#1] PREEMPT SMP",
      "pc : handle_futex_death+0x1c/0x1d0",
      "lr : exit_robust_list+0x9c/0x160",
      "sp : ffff8000805c3c10",
      "Call trace:",
      " handle_futex_death+0x1c/0x1d0",
      " exit_robust_list+0x9c/0x160",
    ])
    XCTAssertEqual(oops.title, "BUG: unable to handle kernel paging request in handle_futex_death")
  }

  /// syzbot prints a `RIP:` line per inlined function before the one that holds them.
  func testInlinedRIPLinesBeforeTheFunctionsOwn() throws {
    let fault = try report([
      "Oops: general protection fault, probably for non-canonical address 0xdffffc0000000354: 0000 [#1] SMP KASAN PTI",
      "RIP: 0010:norm_maxh drivers/media/usb/em28xx/em28xx-video.c:149 [inline]",
      "RIP: 0010:em28xx_resolution_set.isra.0+0xe4/0x730 drivers/media/usb/em28xx/em28xx-video.c:317",
      "RSP: 0018:ffffc90002027798 EFLAGS: 00010246",
      "Call Trace:",
      " <TASK>",
      " em28xx_v4l2_open+0x457/0x570 drivers/media/usb/em28xx/em28xx-video.c:2166",
      " v4l2_open+0x1d2/0x490 drivers/media/v4l2-core/v4l2-dev.c:433",
    ])
    XCTAssertEqual(fault.title, "general protection fault in em28xx_resolution_set")
  }

  /// decode_stacktrace.sh prints `file.c:?` where addr2line found no line.
  /// 2.6.24 and earlier print a module's symbol as `:module:symbol+0x1/0x2`.
  func testOldModuleSymbol() throws {
    let frame = try XCTUnwrap(
      StackFrame.parse(" [<ffffffff88582f6d>] :jbd2:jbd2_journal_commit_transaction+0x191/0x1068"))
    XCTAssertEqual(frame.function, "jbd2_journal_commit_transaction")
    XCTAssertEqual(frame.module, "jbd2")
    XCTAssertNil(StackFrame.parse(" :jbd2: text"))
  }

  func testDecodedFrameWithoutALine() throws {
    let frame = try XCTUnwrap(
      StackFrame.parse(" print_trace_fmt (kernel/trace/trace.c:?)"))
    XCTAssertEqual(frame.function, "print_trace_fmt")
    XCTAssertEqual(frame.file, "kernel/trace/trace.c")
    XCTAssertNil(frame.line)
  }

  /// MIPS: a trap's message is the oops header; 4.15 printed the trace's addresses
  /// as `(ptrval)`.
  func testMipsTrapHeaderAndHashedAddresses() throws {
    let oops = try report([
      "Reserved instruction in kernel code[#1]:",
      "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 4.15.0-ac0 #1",
      "epc   : 80656620 mips_cps_boot_vpes+0x4c/0x160",
      "ra    : 80013538 cps_boot_secondary+0x280/0x440",
      "Call Trace:",
      "[<(ptrval)>] mips_cps_boot_vpes+0x4c/0x160",
      "[<(ptrval)>] cps_boot_secondary+0x280/0x440",
      "[<(ptrval)>] __cpu_up+0x20/0x88",
    ])
    XCTAssertEqual(oops.title, "Reserved instruction in kernel code in mips_cps_boot_vpes")
    XCTAssertEqual(oops.type, .dos)
    XCTAssertFalse(oops.corrupted)
  }

  /// parisc names the faulting instruction on `IAOQ[0]:`, alpha on `pc is at`, LoongArch's
  /// address error is its own header, and m68k words a bad access `Unable to handle
  /// kernel access`.
  func testParisсAlphaLoongArchAndM68kFaults() throws {
    let parisc = try report([
      "kernel BUG at include/linux/swapops.h:472!",
      "CPU: 0 PID: 2025 Comm: ntpq Not tainted 6.3.1 #1",
      " IAOQ[0]: migration_entry_wait_on_locked+0x254/0x274",
      " IAOQ[1]: migration_entry_wait_on_locked+0x258/0x274",
      " RP(r2): __migration_entry_wait+0x64/0x6c",
      "Backtrace:",
      " [<105c6408>] __migration_entry_wait+0x64/0x6c",
      " [<105c6444>] migration_entry_wait+0x34/0x44",
    ])
    XCTAssertEqual(parisc.title, "kernel BUG in migration_entry_wait_on_locked")
    XCTAssertEqual(
      StackTraceReader.instructionPointer(in: "pc is at vfs_read+0x28/0x160")?.function, "vfs_read")
    let loongarch = try report([
      "Kernel ade access[#1]:",
      "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.6.136 #1",
      "  ERA: 90000000017e5534 loongson_gpu_fixup_dma_hang+0xb4/0x210",
      "Call Trace:",
      "[<90000000017e5534>] loongson_gpu_fixup_dma_hang+0xb4/0x210",
      "[<9000000000eebc08>] pci_fixup_device+0x108/0x280",
    ])
    XCTAssertEqual(loongarch.title, "Kernel ade access in loongson_gpu_fixup_dma_hang")
    XCTAssertEqual(loongarch.type, .dos)
    let m68k = try report([
      "Unable to handle kernel access at virtual address (ptrval)",
      "Oops: 00000000",
      "PC: [<0005fbbc>] bpf_prog_alloc_no_stats+0x5c/0xba",
      "Call Trace: [<004addc2>] bpf_prog_alloc+0x1a/0x66",
    ])
    XCTAssertEqual(m68k.title, "BUG: unable to handle kernel paging request in bpf_prog_alloc_no_stats")
  }

  /// ia64 names the faulting instruction on `ip is at`; an arm soft lockup passes over
  /// the interrupt entry (`__irq_svc`) to the frame above the ioctl; a BUG in KFENCE's setup names its caller's
  /// function, KFENCE's own `kfence_init`.
  func testIa64ArmInterruptAndKfenceSetup() throws {
    let ia64 = try report([
      "kernel BUG at fs/jbd/transaction.c:1913!",
      "kjournald[1483]: bugcheck! 0 [1]",
      "ip is at __journal_file_buffer+0x380/0x6c0",
      "Call Trace:",
      " [<a00000010000f3a0>] show_stack+0x80/0xa0",
      " [<a000000100036dc0>] die_if_kernel+0x40/0x60",
      " [<a000000100037e60>] ia64_bad_break+0x180/0x500",
      " [<a0000001001d37c0>] __journal_file_buffer+0x380/0x6c0",
    ])
    XCTAssertEqual(ia64.title, "kernel BUG in __journal_file_buffer")
    let arm = try report([
      "BUG: soft lockup - CPU#0 stuck for 61s! [isp:1094]",
      "[<c002d06c>] (asm_do_IRQ+0x6c/0x8c) from [<c002da78>] (__irq_svc+0x38/0xa0)",
      "[<c002da78>] (__irq_svc+0x38/0xa0) from [<c02e3dc4>] (_raw_spin_unlock_irqrestore+0x34/0x44)",
      "[<c02e3dc4>] (_raw_spin_unlock_irqrestore+0x34/0x44) from [<bf01f678>] (video_streamon+0x80/0x90)",
      "[<bf01f678>] (video_streamon+0x80/0x90) from [<c0216b38>] (__video_do_ioctl+0x1488/0x3bd0)",
      "[<c0216b38>] (__video_do_ioctl+0x1488/0x3bd0) from [<c00b5f1c>] (vfs_ioctl+0x2c/0x6c)",
    ])
    XCTAssertEqual(arm.title, "BUG: soft lockup in __video_do_ioctl")
    let kfence = try report([
      "kernel BUG at arch/x86/mm/physaddr.c:70!",
      "Oops: invalid opcode: 0000 [#1] SMP",
      "EIP: __phys_addr+0x78/0x90",
      "Call Trace:",
      " kfence_init+0x3a/0x94",
      " start_kernel+0x4ea/0x62c",
    ])
    XCTAssertEqual(kfence.title, "kernel BUG in kfence_init")
  }
}
