/// Frames that never name the guilty code: the machinery that reports a crash,
/// allocates, locks, copies, waits or enters the kernel. The guilty frame is the
/// first frame of a trace that none of these match.
///
/// The table is keyed by where the machinery lives in the kernel tree, with the
/// reason its frames are passed over: a newcomer checks a row against the source
/// it names, and a new row is a new place in the kernel, never a failing case.
/// Each frame is a `FramePattern` (`^` prefix, `$` suffix, else substring). The
/// facts follow syzkaller's pkg/report/linux.go skip list and its per-format
/// stack rules; the rows are Coroner's own.
struct MachineryClass: Sendable {
  /// Kernel tree locations of the code (files or directories).
  let location: String
  /// Why a frame of this code is not the culprit.
  let reason: String
  let frames: [String]

  init(_ location: String, _ reason: String, _ frames: [String]) {
    self.location = location
    self.reason = reason
    self.frames = frames
  }
}

enum GenericFrames {
  static let classes: [MachineryClass] =
    reporting + architecture + checks + memory + locking + library
    + scheduling + devices + filesystems

  /// Code that prints or raises the report: it runs because of the bug.
  static let reporting = [
    MachineryClass(
      "mm/kasan, mm/kmsan, kernel/kcsan, mm/kfence, lib/ubsan.c, mm/hwasan", "sanitizer runtime and report",
      [
        "__sanitizer", "__asan", "kasan", "kmsan", "__msan", "kcsan", "__tsan", "__ubsan", "ubsan_",
        // KFENCE's report and its allocator (mm/kfence/core.c, report.c), not `kfence_init`,
        // whose caller's bad address a BUG in its setup names.
        "^kfence_report", "^kfence_handle", "^__kfence_", "^kfence_guarded", "^kfence_free", "^kfence_alloc",
        "^kfence_protect", "^kfence_unprotect", "^kfence_print", "^kfence_ksize", "^kfence_object",
        "hwasan", "print_address_description", "print_report", "print_trailer", "check_memory_region",
        "^quarantine_", "handle_overflow",
      ]),
    MachineryClass(
      "lib/bug.c, kernel/panic.c, include/asm-generic/bug.h", "WARN/BUG and panic plumbing",
      [
        "report_bug", "^__warn", "warn_slowpath", "^warn_", "__WARN", "^panic", "^vpanic", "^nmi_panic",
        "_panic$", "^check_panic_on_warn", "^get_taint", "^print_tainted", "assertfail",
      ]),
    MachineryClass(
      "lib/dump_stack.c, kernel/printk, drivers/base/core.c (dev_printk), lib/dynamic_debug.c",
      "printing the report or a message",
      [
        "dump_stack", "^dump_", "show_stack", "show_regs", "show_trace", "printk", "^vprintk",
        "^dev_printk", "^_dev_", "^dev_warn", "^dev_err", "^dev_info", "^dev_notice", "^__dev_printk",
        "^__dynamic_",
      ]),
    MachineryClass(
      "kernel/printk/printk.c", "console locking: a printk that waits for or flushes the console",
      [
        "^console_unlock", "^console_lock", "^console_trylock", "^__console_unlock", "^console_flush_all",
        "^console_emit_next_record", "^__up_console_sem", "^__down_trylock_console_sem",
      ]),
  ]

  /// Traps, faults and unwinders, per architecture: they run after the faulting
  /// frame, or walk the stack to print it.
  static let architecture = [
    MachineryClass(
      "arch/x86/kernel/traps.c, arch/x86/entry, arch/x86/mm/fault.c, arch/x86/lib/retpoline.S",
      "x86 trap, exception and fault entry",
      [
        "^fixup_bug", "^do_error_trap", "^do_trap", "^do_invalid_op", "^exc_invalid_op", "^handle_bug",
        "^asm_exc_", "^exc_", "^invalid_op", "_trap$", "^do_int3", "^die$", "^__die", "^oops_",
        "^no_context", "^page_fault", "^do_user_addr_fault", "^do_kern_addr_fault",
        "^kernelmode_fixup_or_oops", "^page_fault_oops", "^do_page_fault", "^__do_page_fault", "^retint_",
        "common_interrupt_return", "^__x86_return_thunk", "^__x86_indirect", "_indirect_thunk_",
      ]),
    MachineryClass(
      "arch/arm64/kernel/traps.c, arch/arm64/kernel/entry-common.c, arch/arm64/mm/fault.c, arch/arm/mm/fault.c",
      "arm and arm64 exception entry and fault handling",
      [
        "^bug_handler", "^brk_handler", "^call_break_hook", "^do_debug_exception", "^el1_dbg",
        "^el1h_64_sync",
        "^el1_abort", "^el1_", "^do_mem_abort", "^__do_kernel_fault", "^do_translation_fault", "^do_bad_area",
        "^arm64_notify_die", "^do_tag_check_fault", "tag_check", "^do_DataAbort", "^do_PrefetchAbort",
        "^__do_user_fault",
      ]),
    MachineryClass(
      "arch/powerpc/kernel/traps.c, arch/powerpc/mm/fault.c, arch/s390/kernel/traps.c, arch/riscv/kernel/traps.c",
      "powerpc, s390 and riscv trap entry",
      [
        "program_check", "program_check_exception", "^do_slb_fault", "^do_report_trap", "^do_trap_break",
        "^handle_exception", "^__do_pgm_check", "^illegal_op", "^do_program_check",
        // ia64, mips and parisc: `die_if_kernel()` raises the oops of a kernel-mode trap;
        // ia64's BUG() is a break instruction (arch/ia64/kernel/traps.c `ia64_bad_break()`).
        "^die_if_kernel", "^ia64_bad_break",
      ]),
    MachineryClass(
      "arch/powerpc/kernel/irq_64.c, arch/powerpc/kernel/interrupt_64.S, arch/powerpc/kernel/trace/ftrace_entry.S",
      "powerpc's lazy interrupt masking replays the interrupts it held back when the interrupted "
        + "code enables them, and ftrace's return trampoline stands in for the traced caller",
      [
        "^__replay_soft_interrupts", "^replay_soft_interrupts", "^arch_local_irq_restore",
        "^interrupt_return_srr", "^interrupt_return_hsrr", "^return_to_handler",
      ]),
    MachineryClass(
      "arch/arm/kernel/unwind.c, arch/arm/kernel/traps.c, arch/arm64/kernel/stacktrace.c, "
        + "arch/riscv/kernel/stacktrace.c, kernel/stacktrace.c, lib/stackdepot.c",
      "stack unwinding: the code that walks the stack to print it",
      [
        "^unwind_backtrace", "^unwind_frame", "^dump_backtrace", "^__dump_instr", "^walk_stackframe",
        "^arch_stack_walk", "^stack_trace_", "^save_stack", "^__save_stack_trace", "^stack_depot_",
      ]),
  ]

  /// Checks that notice a bug in their caller.
  static let checks = [
    MachineryClass(
      "mm/usercopy.c, lib/string_helpers.c (fortify), kernel/panic.c (stack protector)",
      "hardening checks that report their caller's mistake",
      [
        "^__stack_chk_fail", "^__fortify", "^fortify_", "^usercopy_", "^__check_object_size",
        "^check_object_size", "^__check_heap_object", "^check_heap_object", "^check_stack_object",
      ]),
    MachineryClass(
      "lib/smp_processor_id.c, kernel/sched/core.c (might_sleep), kernel/rcu/update.c, lib/debugobjects.c",
      "debug checks of the caller's context or objects",
      [
        "^check_preemption_disabled", "^debug_smp_processor_id", "^__this_cpu_preempt_check",
        "^lockdep_rcu_suspicious", "^__might_sleep", "^___might_sleep", "^__might_fault", "^might_fault",
        "^__might_resched", "^debug_print_object", "^debug_object", "^__debug_object",
        "^debug_check_no_obj_freed", "is_static_object", "^lookup_object_or_alloc",
        "^kthread_insert_work_sanity_check",
      ]),
    MachineryClass(
      "lib/refcount.c, include/linux/kref.h, lib/ref_tracker.c", "reference counts report their user's bug",
      ["^refcount_", "^__refcount", "^kref_", "^ref_tracker"]),
    MachineryClass(
      "lib/percpu_counter.c", "per-CPU counters update the counter their caller hands them",
      ["^percpu_counter_", "^__percpu_counter_"]),
    MachineryClass(
      "lib/fault-inject.c, mm/failslab.c", "fault injection makes a call fail on purpose",
      ["^should_fail", "^__should_fail", "^should_failslab", "^fail_dump"]),
  ]

  /// Memory management that a bad caller reaches with a bad pointer or size.
  static let memory = [
    MachineryClass(
      "mm/slab.c, mm/slub.c, mm/slab_common.c, mm/util.c, mm/vmalloc.c, mm/mempool.c, mm/kmemleak.c",
      "allocators and their hooks",
      [
        "kmalloc", "kzalloc", "kcalloc", "vmalloc", "vzalloc", "zalloc", "malloc", "calloc", "krealloc",
        "kmem_cache", "^slab_", "^__slab", "^___slab", "^kfree", "^kvfree", "^vfree", "^__vfree",
        "^kmemdup", "^kstrdup", "^kstrndup", "^kmemleak", "^mempool_", "^kmem_", "^slub_", "^___cache_free",
        "^cache_alloc", "^____cache_alloc", "^__cache_free", "^__do_kmalloc", "^__kmem_cache", "^alloc_slab",
        "^new_slab", "^allocate_slab", "^setup_object", "^kvrealloc", "^__vmalloc", "^__kvmalloc",
        "^devm_kmalloc", "^kmalloc_", "^__kmalloc", "_noprof", "^memdup", "^create_object",
        // mm/slab.c (SLAB, before 6.5): the per-CPU array caches' refill and flush.
        "^free_block$", "^cache_flusharray", "^cache_alloc_refill", "^cache_grow",
      ]),
    MachineryClass(
      "mm/page_alloc.c, mm/page_frag_cache.c", "the page allocator and its checks",
      [
        "alloc_pages", "^alloc_page", "^__get_free_pages", "^get_zeroed_page", "^free_pages",
        "^__free_pages", "^free_unref_page", "^__free_one_page", "^folio_alloc", "^__folio_alloc",
        "^page_frag_alloc", "^__page_frag", "^bad_page", "^check_new_page", "^free_pages_check",
        "^free_page_is_bad", "^warn_alloc", "^post_alloc_hook", "^prep_new_page", "^get_page_from_freelist",
      ]),
    MachineryClass(
      "mm/page_owner.c, mm/filemap.c, mm/truncate.c", "page-owner and page-cache bookkeeping",
      [
        "^__set_page_owner", "^set_page_owner", "^__reset_page_owner", "^folio_unlock",
        "^filemap_alloc_folio",
        "^find_lock_entries", "^truncate_inode_pages",
      ]),
    MachineryClass(
      "arch/x86/mm/physaddr.c, arch/arm64/mm/physaddr.c", "address translation checks",
      ["^__phys_addr", "^__virt_addr_valid", "^__virt_to_phys"]),
  ]

  /// kernel/locking: every lock and its slow path.
  static let locking = [
    MachineryClass(
      "kernel/locking/lockdep.c", "lockdep internals",
      [
        "lock_acquire", "lock_release", "^__lock_", "^lock_acquired", "^lock_contended", "lockdep",
        "^lock_is_held", "held_lock", "^register_lock_class", "^print_unlock_imbalance_bug",
        "^print_usage_bug", "^print_circular_bug", "^print_deadlock_bug", "lock_class",
        "^reacquire_held_locks",
      ]),
    MachineryClass(
      "kernel/locking/spinlock.c, kernel/locking/qspinlock.c, kernel/locking/rwbase_rt.c, include/linux/spinlock.h",
      "spinlocks and rwlocks",
      [
        "spin_lock", "spin_unlock", "spin_trylock", "^_raw_", "^do_raw_", "^__raw_", "^queued_",
        "^native_queued_", "^__pv_queued", "^pv_queued", "read_lock", "write_lock", "read_unlock",
        "write_unlock", "rq_lock", "rq_unlock", "_and_lock",
      ]),
    MachineryClass(
      "kernel/locking/mutex.c, kernel/locking/rwsem.c, kernel/locking/semaphore.c, kernel/locking/rtmutex.c, "
        + "kernel/locking/osq_lock.c, kernel/locking/percpu-rwsem.c, kernel/locking/ww_mutex.h",
      "sleeping locks and their slow paths",
      [
        "^osq_", "^mutex_", "^__mutex_", "^down_", "^__down", "^up_", "^__up_", "^up$", "^down$", "^rwsem_",
        "^__rwsem", "^percpu_down", "^percpu_up", "^__percpu_down", "^rt_mutex", "^__rt_mutex", "^rt_spin",
        "^ww_mutex", "^__ww_mutex",
        // PREEMPT_RT's sleeping spinlocks and rwlocks (rtlock_slowlock_locked in
        // kernel/locking/rtmutex.c, rwbase_read_lock in kernel/locking/rwbase_rt.c).
        "^rtlock_", "^rwbase_",
        // x86's assembly thunks into the rwsem slow paths before 4.16
        // (arch/x86/lib/rwsem.S: call_rwsem_down_write_failed and its siblings).
        "^call_rwsem_",
      ]),
    MachineryClass(
      "include/linux/rcupdate.h, kernel/softirq.c, include/linux/preempt.h, include/linux/seqlock.h, "
        + "lib/lockref.c, lib/percpu-refcount.c, net/core/sock.c (lock_sock)",
      "read-side sections, preemption and socket locks",
      [
        "^rcu_read_lock", "^rcu_read_unlock", "^__rcu_read_", "^local_bh_", "^__local_bh_", "^_local_bh_",
        "^preempt_", "^trace_hardirqs", "^percpu_ref_", "^seqcount", "^read_seqbegin", "^write_seqlock",
        "^lockref_", "^lock_sock", "^release_sock", "^__lock_sock", "^__release_sock",
      ]),
    MachineryClass(
      "include/linux/atomic, include/asm-generic/bitops/instrumented-atomic.h, include/linux/instrumented.h",
      "atomics and bit operations",
      [
        "^atomic_", "^atomic64_", "^arch_atomic", "^raw_atomic", "^__atomic", "^test_and_set_bit",
        "^test_and_clear_bit", "^__test_and", "^set_bit", "^clear_bit", "^__set_bit", "^__clear_bit",
        "^instrument_atomic", "^instrument_read", "^instrument_write",
        // arm's atomic bit operations in assembly (arch/arm/lib/setbit.S and the like,
        // which arch/arm/include/asm/bitops.h calls for set_bit() and the rest).
        "^_set_bit", "^_clear_bit", "^_change_bit", "^_test_and_set_bit", "^_test_and_clear_bit",
        "^_test_and_change_bit",
      ]),
  ]

  /// lib/: helpers that touch what their caller hands them.
  static let library = [
    MachineryClass(
      "lib/string.c, arch/*/lib/memcpy*.S, arch/*/lib/memset*.S", "string and memory helpers",
      [
        "^memcpy", "^__memcpy", "^memmove", "^__memmove", "^memset", "^__memset", "^memcmp", "^__memcmp",
        // arm64's routines under their position-independent names (`__pi_memcpy_generic`,
        // SYM_FUNC_ALIAS in arch/arm64/lib/memcpy.S), which its traces print.
        "^__pi_mem", "^__pi_str",
        "^memchr", "^memscan", "^bcmp", "^strlen", "^strnlen", "^strcpy", "^strncpy", "^strlcpy", "^strscpy",
        "^sized_strscpy", "^strcmp", "^strncmp", "^strchr", "^strrchr", "^strstr", "^strnstr", "^strcat",
        "^strncat", "^strlcat", "^strndup", "^strsep", "^__str",
      ]),
    MachineryClass(
      "include/asm-generic/word-at-a-time.h, arch/x86/include/asm/word-at-a-time.h, include/asm-generic/rwonce.h",
      "word-at-a-time reads run past a string's end on purpose",
      ["read_word_at_a_time", "^load_unaligned_zeropad", "^__read_once"]),
    MachineryClass(
      "lib/vsprintf.c, fs/seq_file.c, lib/hexdump.c, lib/seq_buf.c, kernel/trace/trace_seq.c", "formatting",
      [
        "^string$", "^string_nocheck", "^hex_string", "^hex_dump", "^print_hex_dump", "^vsnprintf",
        "^snprintf", "^sprintf", "^vsprintf", "^scnprintf", "^vscnprintf", "^kvasprintf", "^kasprintf",
        "^pointer$", "^format_decode", "^seq_printf", "^seq_vprintf", "^va_format",
        // lib/seq_buf.c and kernel/trace/trace_seq.c format into a buffer for the caller.
        "^seq_buf_", "^trace_seq_",
      ]),
    MachineryClass(
      "include/linux/uaccess.h, lib/usercopy.c, lib/iov_iter.c, arch/*/lib/copy_user*.S, lib/strncpy_from_user.c",
      "copies to and from user space and iterators",
      [
        "copy_to_user", "copy_from_user", "copy_to_iter", "copy_from_iter", "^_copy_to_user",
        "^_copy_from_user", "^__copy_", "^copy_user", "^raw_copy_", "^copyin", "^copyout", "^_copy_to_iter",
        "^_copy_from_iter", "^copy_page_to_iter", "^copy_page_from_iter", "^iov_iter", "^iterate_iovec",
        "^iterate_bvec", "^iterate_kvec", "^iterate_xarray", "^instrument_copy", "^copy_mc", "^rep_movs",
        "^get_user", "^put_user", "^__get_user", "^__put_user", "^strncpy_from_user", "^strnlen_user",
        "^clear_user", "^__clear_user",
      ]),
    MachineryClass(
      "lib/list_debug.c, lib/rbtree.c, lib/klist.c, lib/xarray.c, lib/idr.c, lib/radix-tree.c, lib/llist.c, "
        + "lib/rhashtable.c",
      "data structures",
      [
        "^__list_", "^list_add", "^list_del", "^list_move", "^list_splice", "^list_replace", "^__hlist",
        "^hlist_",
        // lib/rbtree.c and include/linux/rbtree.h by name: the ring buffer
        // (kernel/trace/ring_buffer.c) uses the same `rb_` prefix for its own code.
        "^rb_insert", "^rb_erase", "^rb_first", "^rb_last", "^rb_next", "^rb_prev", "^rb_replace",
        "^rb_link_node", "^rb_add", "^rb_find", "^__rb_", "^klist_", "^xa_", "^xas_", "^__xa_", "^idr_",
        "^ida_", "^radix_tree",
        "^llist_", "^__llist", "^rhashtable_", "^rht_", "^__rht_",
      ]),
    MachineryClass(
      "lib/crc*.c, lib/crypto/aes.c, arch/x86/kernel/fpu/core.c", "checksums, ciphers and FPU sections",
      ["^crc", "^aes_encrypt", "^aes_decrypt", "^kernel_fpu_", "^logic_"]),
  ]

  /// kernel/sched, kernel/workqueue.c, kernel/time, kernel/kthread.c: deferral
  /// and waiting, which run what the culprit queued.
  static let scheduling = [
    MachineryClass(
      "kernel/workqueue.c, kernel/time/timer.c, kernel/time/hrtimer.c, kernel/rcu/tree.c (kfree_rcu), "
        + "kernel/rcu/srcutree.c",
      "queuing, flushing and cancelling deferred work",
      [
        "^queue_work", "^__queue_work", "^queue_delayed_work", "^mod_delayed_work", "^flush_work",
        "^__flush_work", "^flush_workqueue", "^cancel_work", "^__cancel_work", "^cancel_delayed_work",
        "^try_to_grab_pending", "^destroy_workqueue", "^drain_workqueue", "^__init_work", "^del_timer",
        "^__del_timer", "^timer_delete", "timer_delete", "^try_to_del_timer", "^__try_to_del_timer",
        "^__mod_timer", "^mod_timer", "^add_timer", "^lock_timer_base", "^init_timer", "^kfree_rcu",
        "^kvfree_call_rcu", "^cleanup_srcu_struct",
        // kernel/time/hrtimer.c: cancelling waits for a running callback.
        "^hrtimer_cancel", "^hrtimer_try_to_cancel",
      ]),
    MachineryClass(
      "kernel/sched/wait.c, kernel/sched/wait_bit.c, kernel/sched/completion.c, kernel/sched/core.c",
      "wait queues, completions and context switch",
      [
        "^finish_wait", "^prepare_to_wait", "wait_for_completion", "^__wake_up", "^wake_up$", "^wake_up_bit",
        "^wake_up_var", "^complete$", "^complete_all", "^__switch_to", "^wait_for_common",
        "^__wait_for_common",
        "^do_wait_for_common",
      ]),
    MachineryClass(
      "kernel/sched/core.c, kernel/time/timer.c (schedule_timeout)",
      "entering the scheduler: a task that sleeps, yields or is preempted passes through them",
      [
        "^__schedule$", "^schedule$", "^schedule_timeout", "^schedule_preempt_disabled", "^io_schedule",
        "^_cond_resched", "^__cond_resched", "^preempt_schedule", "^__schedule_loop", "^context_switch$",
        "^finish_task_switch",
      ]),
    MachineryClass(
      "kernel/time/sleep_timeout.c (kernel/time/timer.c before 6.13), kernel/time/hrtimer.c",
      "sleeping for a while: the caller chose to sleep there",
      ["^msleep", "^ssleep$", "^usleep_range", "^fsleep$", "^schedule_hrtimeout"]),
    MachineryClass(
      "kernel/kthread.c", "kthread lifecycle: stopping or parking a thread waits for it",
      ["^kthread_stop", "^kthread_park", "^__kthread_create_on_node", "^kthread_create_on_node"]),
  ]

  /// drivers/base, lib/kobject.c, drivers/usb/core, net/core/dev.c: teardown and
  /// submission paths that run the driver's callbacks.
  static let devices = [
    MachineryClass(
      "drivers/base/core.c, drivers/base/dd.c, drivers/base/devres.c, lib/kobject.c, lib/kobject_uevent.c, fs/sysfs",
      "device model registration and teardown",
      [
        "^device_del", "^device_unregister", "^device_destroy", "^kobject_", "^kobj_", "kobject", "sysfs_",
        "uevent", "^devres_", "^device_release_driver", "^__device_release_driver", "^put_device",
        "^device_for_each_child", "^get_device_parent", "^device_add", "^device_release", "^device_remove",
      ]),
    MachineryClass(
      "drivers/i2c/i2c-core-base.c", "i2c adapter teardown",
      ["^i2c_del_adapter", "^i2c_unregister_device", "^__unregister_client"]),
    MachineryClass(
      "drivers/usb/core/urb.c, drivers/usb/core/message.c, drivers/usb/core/hcd.c, drivers/usb/gadget/udc/dummy_hcd.c",
      "USB URB submission, cancellation and completion",
      [
        "^usb_submit_urb", "^usb_start_wait_urb", "^usb_bulk_msg", "^usb_interrupt_msg", "^usb_control_msg",
        "^usb_hcd_submit_urb", "^usb_kill_", "^usb_anchor", "^__usb_hcd_giveback_urb",
        "^usb_hcd_giveback_urb",
        "^usb_giveback_urb_bh", "^dummy_urb_enqueue",
      ]),
    MachineryClass(
      "net/core/dev.c, net/core/sock.c", "network device teardown and socket timers",
      ["^unregister_netdevice", "^unregister_netdev", "^rollback_registered", "^sk_stop_timer", "^sk_skb_"]),
  ]

  /// fs/: reference and link-count bookkeeping of inodes, dentries and buffers.
  static let filesystems = [
    MachineryClass(
      "fs/inode.c, fs/dcache.c, fs/buffer.c, fs/fs-writeback.c", "inode, dentry and buffer bookkeeping",
      [
        "^drop_nlink", "^clear_nlink", "^inc_nlink", "^set_nlink", "^mark_buffer_dirty",
        "^__mark_inode_dirty",
        "^iput$", "dput$",
      ])
  ]

  /// Every class: the default skip list of every kind.
  static let all = FramePatternList(classes.flatMap(\.frames))
}
