/// The guilty frame of a hung task (kernel/hung_task.c): the task sleeps in the
/// scheduler, a lock or a wait primitive; the frame that called into those is the
/// one waiting for something. Waits on a few global barriers are bucketed on the
/// barrier, since the task waiting is a victim, not the culprit.
enum HungTaskFrames {
  static let sleeping = FramePatternList([
    "^__switch_to", "^__schedule", "^schedule", "^io_schedule", "^__wait_", "^wait_", "^do_wait_for_common",
    "^__wait_for_common", "^wait_for_completion", "^__flush_work", "^flush_work", "^__flush_workqueue",
    "^flush_workqueue", "^rwsem_", "^__rwsem", "^down", "^__down", "^mutex_", "^__mutex", "^rt_mutex",
    "^__rt_mutex", "^bit_wait", "^__wait_on_bit", "^out_of_line_wait_on_bit", "^folio_wait",
    "^wait_on_page", "^__folio_lock", "^__lock_page", "^lock_page", "^prepare_to_wait", "^finish_wait",
    "^context_switch", "^percpu_rwsem_wait", "^__percpu_down", "^do_nanosleep", "^__cond_resched", "^kthread",
    "^ret_from_fork",
    "^__synchronize_srcu", "^wait_rcu_gp", "^__wait_rcu_gp", "^synchronize_rcu_expedited",
    "^synchronize_rcu_normal", "^rcu_barrier", "^__rcu_barrier", "^__srcu_barrier", "^console_lock",
    "fdatawait", "^filemap_fdatawait", "^filemap_write_and_wait", "^__filemap_fdatawrite",
    "^wb_wait_for_completion", "^__wait_var_event",
    // mm/filemap.c: looking a page up locked sleeps on its lock (folio_lock() inside
    // __filemap_get_folio(), its wrappers before folios): the caller wanted the page.
    "^__filemap_get_folio", "^filemap_lock_folio", "^pagecache_get_page", "^find_lock_entry",
    "^find_lock_page", "^grab_cache_page_write_begin", "^find_or_create_page",
    // OpenZFS's Solaris condition variables (module/os/linux/spl/spl-condvar.c): waits
    // that sleep in schedule() or io_schedule() for whoever signals them.
    "^cv_wait", "^__cv_wait", "^cv_timedwait", "^__cv_timedwait",
    // block/blk-rq-qos.c: a throttled submitter sleeps in io_schedule() until the
    // requests in flight fall under the policy's limit.
    "^rq_qos_wait",
    // kernel/sched: the load balancing schedule() runs on the way to sleep (2.6's
    // `idle_balance()` -> `load_balance_newidle()` -> `find_busiest_group()`).
    "^find_busiest_group", "^load_balance", "^idle_balance",
  ])

  /// Waits reported under the barrier's name.
  static let barriers: [(prefix: String, title: String)] = [
    ("rtnl_lock", "rtnl_lock"), ("synchronize_rcu", "synchronize_rcu"),
    ("synchronize_srcu", "synchronize_rcu"), ("synchronize_net", "synchronize_rcu"),
    ("synchronize_sched", "synchronize_rcu"),
  ]

  static func find(reader: StackTraceReader, skip: FramePatternList) -> GuiltyFrameFinder.Result {
    var frames = reader.frames(from: 0).frames
    // With hung_task_panic set, khungtaskd panics after the report, and its own trace
    // (panic, watchdog, kthread) follows: where the blocked task's stack was not
    // printed, that is the first trace, and it is not the task's.
    if let panic = reader.position(of: "Kernel panic - not syncing"),
      let first = reader.firstFramePosition(), first > panic
    {
      frames = []
    }
    var reliable = frames.filter(\.reliable)
    // A thread starts at ret_from_fork: what an unwinder prints below it (i386's
    // `entry_INT80_32` after `ret_from_fork_asm`) is not a caller.
    if let start = reliable.firstIndex(where: { $0.function.hasPrefix("ret_from_fork") }) {
      reliable.removeSubrange(start...)
    }
    func waiting(_ frame: StackFrame) -> Bool {
      !sleeping.matches(frame.function) && !skip.matches(frame.function)
    }
    for frame in reliable {
      let name = frame.baseName.drop(while: { $0 == "_" })
      if let barrier = barriers.first(where: { name.hasPrefix($0.prefix) }) {
        return GuiltyFrameFinder.Result(frames: frames, guilty: StackFrame(function: barrier.title))
      }
      // A frame a symbolizer added for inlined code is not in the trace the kernel
      // printed: the function it was inlined into is named (GuiltyFrameFinder).
      if waiting(frame) && !frame.inlined {
        return GuiltyFrameFinder.Result(frames: frames, guilty: frame)
      }
    }
    // A kernel thread that sleeps in kthread() itself was created and never woken to
    // run its function (kernel/kthread.c): that is where it hangs.
    return GuiltyFrameFinder.Result(
      frames: frames, guilty: reliable.first(where: waiting) ?? reliable.last { $0.function == "kthread" })
  }
}
