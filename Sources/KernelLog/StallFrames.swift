/// The guilty frame of a stall (RCU stall, soft or hard lockup, stack overflow).
/// A looping task is caught at a random point of the loop, so the top frame
/// changes from one report to the next. The frame just above the task's entry
/// point (the syscall, the work item, the timer, the softirq) is stable: that is
/// the guilty frame.
enum StallFrames {
  /// Entry points: the frames below the code that loops.
  static let anchors = FramePatternList(
    dispatchingSyscalls + [
      "^do_syscall_", "^entry_SYSCALL", "^entry_SYSENTER", "^ret_fast_syscall", "^el0_svc",
      "^invoke_syscall", "^do_fast_syscall", "^__do_fast_syscall", "^do_int80", "^x64_sys_call",
      "^ia32_sys_call", "^system_call", "^ret_from_syscall", "^handle_exception", "^do_trap_ecall_u",
      "^process_one_work", "^worker_thread", "^kthread$", "^ret_from_fork",
      "^vfs_write", "^vfs_read", "^vfs_ioctl", "^do_vfs_ioctl", "^__vfs_write", "^__vfs_read",
      "^new_sync_write", "^new_sync_read", "^vfs_iter_write", "^vfs_iter_read", "^do_iter_write",
      "^do_iter_read", "^do_iter_readv_writev", "^vfs_writev", "^vfs_readv", "^__kernel_write",
      "^__fput", "^____fput", "^task_work_run", "^exit_to_user", "^exit_to_usermode",
      "^syscall_exit_to_user", "^prepare_exit_to_usermode", "^do_exit",
      "^sock_sendmsg", "^sock_recvmsg", "^sock_write_iter",
      "^sock_read_iter", "^__sys_sendto", "^__sys_recvfrom", "^sock_common_setsockopt",
      "^sock_common_getsockopt", "^__sys_setsockopt", "^__sys_getsockopt", "^sock_ioctl",
      "sysenter_dispatch", "^ia32_sysenter_target", "^entry_INT80", "^do_dentry_open", "^vfs_open",
      "^rtnetlink_rcv_msg", "^nfnetlink_rcv_msg", "compat_ioctl", "^blkdev_ioctl", "^__do_fault",
      "^call_timer_fn", "^expire_timers", "^__run_timers", "^run_timer_softirq", "^__hrtimer_run_queues",
      "^hrtimer_run_softirq", "^tasklet_action", "^tasklet_hi_action", "^net_rx_action", "^__napi_poll",
      "^napi_poll", "^process_backlog", "^__netif_receive_skb", "^netif_receive_skb", "^rcu_do_batch",
      "^rcu_core", "^__do_softirq", "^do_softirq", "^handle_softirqs", "^irq_exit", "^run_ksoftirqd",
      "^smpboot_thread_fn",
      "^flush_smp_call_function", "^generic_smp_call_function", "^__flush_smp_call_function",
      "^cpu_startup_entry", "^do_idle", "^secondary_startup",
      // kernel/irq_work.c runs each queued irq_work's function, as a timer's is run.
      "^irq_work_single", "^irq_work_run",
    ])

  /// Syscalls that only dispatch (ioctl, read, write, connect, socket options): the frame
  /// above them (the driver's or protocol's handler) names the bug better. sendmsg and
  /// recvmsg dispatch through `sock_sendmsg`/`sock_recvmsg`, anchors of their own; where a
  /// symbolizer shows those inlined, syzkaller names the syscall, and so does Coroner.
  static let dispatchingSyscalls: [String] = {
    let names = [
      "ioctl", "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "connect",
      "setsockopt", "getsockopt", "accept", "accept4", "bind",
      "listen", "splice", "sendfile", "sendfile64",
    ]
    let prefixes = [
      "sys_", "SyS_", "__x64_sys_", "__ia32_sys_", "__arm64_sys_", "__se_sys_", "__do_sys_", "compat_sys_",
      "compat_SyS_", "__ia32_compat_sys_", "__x64_compat_sys_", "__arm64_compat_sys_", "ksys_", "__sys_",
    ]
    return names.flatMap { name in prefixes.map { "^" + $0 + name + "$" } }
  }()

  /// Where the interrupt that caught the task ends: the task's frames follow.
  static let interruptEnds = [
    "</IRQ>", "apic_timer_interrupt", "el1h_64_irq", "Exception stack", "el1_interrupt",
    "__irq_svc",
  ]

  static let threadEntries = FramePatternList(["^kthread$", "^ret_from_fork"])

  static let interruptFrames = FramePatternList([
    "apic_timer_interrupt", "^sysvec_", "^asm_sysvec_", "^irq_exit", "^__irq_exit", "^ret_from_intr",
    "^common_interrupt", "^__sysvec_", "irq_on_stack", "^asm_common_interrupt",
    // arm's interrupt entry (arch/arm/kernel/entry-armv.S, irq.c), and the irqchip and
    // irq domain code that hands an arm or arm64 interrupt to its handler
    // (drivers/irqchip/irq-gic.c, kernel/irq/irqdesc.c).
    "^__irq_svc", "^__irq_usr", "^asm_do_IRQ", "^handle_IRQ", "^gic_handle_irq", "^__handle_domain_irq",
    "^handle_domain_irq", "^generic_handle_irq", "^generic_handle_domain_irq", "^handle_irq_desc",
  ])

  /// The idle task's loop (kernel/sched/idle.c): a stall whose only frames below its
  /// entry point are these interrupted an idle CPU, which loops in nothing.
  static let idleFrames = FramePatternList([
    "^do_idle", "^cpu_idle", "^arch_cpu_idle", "^default_idle", "^cpu_startup_entry", "^cpuidle_",
    "^start_kernel", "^rest_init", "^secondary_start_kernel", "^start_secondary", "^secondary_startup",
  ])

  static let extraSkips = FramePatternList([
    "^__schedule", "^schedule", "^preempt_schedule", "^_cond_resched", "^__cond_resched",
    "^proc_reg_", "^full_proxy_", "^seq_read", "^kernfs_fop_", "^__x64_sys_", "^__ia32_sys_",
    "^__arm64_sys_", "^__se_sys_", "^__do_sys_", "^sys_", "^ksys_", "^SyS_", "^SYSC_",
  ])

  static func find(
    reader: StackTraceReader, skip: FramePatternList, interruptLoops: Bool = false
  ) -> GuiltyFrameFinder.Result {
    let frames = (interruptLoops ? loopingInterrupt(reader) : nil) ?? taskFrames(reader)
    let reliable = frames.filter { $0.reliable && !$0.inlined }
    let anchor = reliable.firstIndex(where: { anchors.matches($0.function) || isCrossCall($0.function) })
    // A CPU waiting for others to run a function: the wait is the identity.
    if let anchor, isCrossCall(reliable[anchor].function) {
      return GuiltyFrameFinder.Result(frames: frames, guilty: StackFrame(function: "smp_call_function"))
    }
    // PID 1 running the initcalls (init/main.c `kernel_init()`) has no loop above it:
    // a stall during boot is named by the frame it was caught in.
    if let anchor, anchor > 0, !reliable[..<anchor].contains(where: { $0.function == "kernel_init" }) {
      let above = reliable[..<anchor]
      // A kernel thread's function is its main loop: what it called is the stall.
      if threadEntries.matches(reliable[anchor].function), above.count >= 2,
        case let callee = above[above.index(before: above.index(before: above.endIndex))],
        !skip.matches(callee.function)
      {
        return GuiltyFrameFinder.Result(frames: frames, guilty: callee)
      }
      // The frame right above the entry point; a syscall wrapper there is kept (the
      // title strips its prefix), other plumbing is passed over.
      if let last = above.last, isSyscallWrapper(last.function) {
        return GuiltyFrameFinder.Result(frames: frames, guilty: last)
      }
      if let guilty = above.last(where: { !skip.matches($0.function) && !extraSkips.matches($0.function) }) {
        return GuiltyFrameFinder.Result(frames: frames, guilty: guilty)
      }
      // A work item that yields (cond_resched) shows nothing above process_one_work()
      // but the scheduler: the `Workqueue: <name> <function>` line of the task dump
      // (kernel/workqueue.c `print_worker_info()`) names the work function.
      if reliable[anchor].function.hasPrefix("process_one_work"), let work = workFunction(reader) {
        return GuiltyFrameFinder.Result(frames: frames, guilty: work)
      }
    }
    // Caught in an entry point's own loop (`RIP: 0010:__do_softirq+0x7c`) with nothing
    // printed below it but the idle loop it interrupted: that loop is all the report
    // names.
    if anchor == 0, !skip.matches(reliable[0].function),
      reliable.dropFirst().allSatisfy({ idleFrames.matches($0.function) })
    {
      return GuiltyFrameFinder.Result(frames: frames, guilty: reliable[0])
    }
    return GuiltyFrameFinder.Result(
      frames: frames, guilty: reliable.first { !skip.matches($0.function) && !anchors.matches($0.function) })
  }

  /// The function of the region's `Workqueue: events fn [module]` line.
  static func workFunction(_ reader: StackTraceReader) -> StackFrame? {
    guard let position = reader.position(of: "Workqueue: ") else { return nil }
    let text = reader.lines[reader.region[position]].trimmed
    let words = text.split(separator: " ")
    guard words.count >= 3, words[0] == "Workqueue:",
      words[2].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
    else { return nil }
    var frame = StackFrame(function: String(words[2]))
    if words.count >= 4, words[3].hasPrefix("["), words[3].hasSuffix("]") {
      frame.module = String(words[3].dropFirst().dropLast())
    }
    return frame
  }

  static func isCrossCall(_ name: String) -> Bool {
    name.hasPrefix("smp_call_function") || name.hasPrefix("on_each_cpu")
  }

  static func isSyscallWrapper(_ name: String) -> Bool {
    SyscallNames.prefixes.contains { name.hasPrefix($0) }
  }

  /// The interrupted task's frames: its instruction pointer, then the trace after
  /// the interrupt's frames (or the whole first trace when there is none).
  static func taskFrames(_ reader: StackTraceReader) -> [StackFrame] {
    let start = startOfStalledTask(reader)
    let first = reader.frames(from: start)
    var frames: [StackFrame] = []
    let ripLimit = first.frames.isEmpty ? nil : first.end
    let interruptEnd = (start..<min(first.end + 1, reader.region.count)).first { position in
      let text = reader.lines[reader.region[position]].text
      return interruptEnds.contains { text.contains($0) }
    }
    if let end = interruptEnd {
      if let (rip, _) = reader.instructionPointer(from: start, before: ripLimit) { frames.append(rip) }
      var rest = reader.frames(from: end + 1).frames
      if let ripAfter = reader.instructionPointer(from: end + 1)?.0, frames.isEmpty {
        frames.append(ripAfter)
      }
      rest.removeAll { interruptFrames.matches($0.function) }
      // A lockup inside the interrupt (a timer or softirq that loops) has no task
      // frames or instruction pointer after it, or they were not printed: the
      // interrupt's own frames are the stall.
      if rest.isEmpty, frames.isEmpty {
        rest = first.frames.filter { !interruptFrames.matches($0.function) }
      }
      frames += rest
    } else {
      if let (rip, _) = reader.instructionPointer(from: start, before: ripLimit) { frames.append(rip) }
      frames += first.frames
    }
    return frames
  }

  /// The instruction pointer and the frames of an `<IRQ>` section up to its
  /// `</IRQ>`, without the interrupt's entry; nil when the trace has no such section.
  static func loopingInterrupt(_ reader: StackTraceReader) -> [StackFrame]? {
    guard let open = reader.position(of: "<IRQ>"), let close = reader.position(of: "</IRQ>", from: open)
    else { return nil }
    var frames: [StackFrame] = []
    if let (rip, _) = reader.instructionPointer(from: 0, before: open) { frames.append(rip) }
    for position in open + 1..<close {
      if let frame = reader.frame(at: position), !interruptFrames.matches(frame.function) {
        frames.append(frame)
      }
    }
    return frames
  }

  /// RCU prints the grace-period kthread's stack before the stalled CPU's
  /// (kernel/rcu/tree_stall.h): the stalled task starts at `NMI backtrace for cpu`,
  /// or after the kthread's trace.
  static func startOfStalledTask(_ reader: StackTraceReader) -> Int {
    guard reader.lines[reader.region[0]].text.contains("rcu") else { return 0 }
    // `Stack dump where RCU GP kthread last ran:` introduces a CPU that is not
    // the stalled one.
    var search = 0
    while let nmi = reader.position(of: "NMI backtrace for cpu", from: search) {
      let previous = nmi > 0 ? reader.lines[reader.region[nmi - 1]].text : ""
      if !previous.contains("kthread last ran") { return nmi }
      search = nmi + 1
    }
    if let dump = reader.position(of: "kthread stack dump"), reader.frames(from: 0).end > dump {
      let end = reader.frames(from: dump + 1).end
      // A self-detected stall may first dump the CPU the kthread last ran on
      // (kernel/rcu/tree_stall.h `rcu_check_gp_kthread_starvation()`), which is not
      // the stalled one.
      if end < reader.region.count, reader.lines[reader.region[end]].text.contains("kthread last ran") {
        return reader.frames(from: end + 1).end
      }
      return end
    }
    return 0
  }
}
