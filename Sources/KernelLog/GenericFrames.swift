/// Frames that never name the guilty code: the machinery that reports a crash,
/// allocates, locks, copies or enters the kernel. The guilty frame is the first
/// frame of a trace that none of these match. Grouped by subsystem; each entry is a
/// `FramePattern` (`^` prefix, `$` suffix, else substring).
enum GenericFrames {
  static let reporting = [
    "__sanitizer", "__asan", "kasan", "kmsan", "__msan", "kcsan", "__tsan", "__ubsan", "ubsan_",
    "kfence", "print_address_description", "print_report", "print_trailer", "report_bug",
    "^__warn", "warn_slowpath", "^warn_", "__WARN", "^panic", "^vpanic", "^nmi_panic", "_panic$",
    "^check_panic_on_warn", "dump_stack", "^dump_", "show_stack",
    "show_regs", "show_trace", "printk", "^vprintk", "^dev_printk", "^_dev_", "^dev_warn", "^dev_err",
    "^dev_info", "^dev_notice", "^__dev_printk", "^__dynamic_", "^fixup_bug", "^do_error_trap",
    "^do_trap", "^do_invalid_op", "^exc_invalid_op", "^handle_bug", "^asm_exc_", "^exc_",
    "^invalid_op", "_trap$", "^do_int3", "^die$", "^__die", "^oops_", "^bug_handler", "^brk_handler",
    "^call_break_hook", "^do_debug_exception", "^el1_dbg", "^el1h_64_sync", "^el1_abort", "^el1_",
    "^do_mem_abort", "^__do_kernel_fault", "^do_page_fault", "^__do_page_fault", "^do_translation_fault",
    "^do_bad_area", "^arm64_notify_die", "^no_context", "^page_fault",
    "^do_user_addr_fault", "^do_kern_addr_fault", "^kernelmode_fixup_or_oops", "^page_fault_oops",
    "^__stack_chk_fail", "^__fortify", "^fortify_", "^check_preemption_disabled",
    "^debug_smp_processor_id", "^__this_cpu_preempt_check", "^lockdep_rcu_suspicious",
    "^__might_sleep", "^___might_sleep", "^__might_fault", "^might_fault", "^__might_resched",
    "^debug_print_object", "^debug_object", "^__debug_object", "^debug_check_no_obj_freed",
    "^usercopy_", "^__check_object_size", "^check_object_size", "^__check_heap_object",
    "^check_heap_object", "^refcount_", "^__refcount", "^kref_", "^ref_tracker",
    "^should_fail", "^__should_fail", "^should_failslab", "^fail_dump", "^bad_page",
    "^check_new_page", "^free_pages_check", "^free_page_is_bad", "^__phys_addr", "^__virt_addr_valid",
    "^warn_alloc", "^check_stack_object", "^__x86_return_thunk", "^__x86_indirect",
  ]

  static let allocation = [
    "kmalloc", "kzalloc", "kcalloc", "vmalloc", "vzalloc", "zalloc", "malloc", "calloc", "krealloc",
    "kmem_cache", "^slab_",
    "^__slab", "^___slab", "^kfree", "^kvfree", "^vfree", "^__vfree", "^kmemdup", "^kstrdup",
    "^kstrndup", "^kmemleak", "alloc_pages", "^alloc_page", "^__get_free_pages",
    "^get_zeroed_page", "^free_pages", "^__free_pages", "^free_unref_page", "^__free_one_page",
    "^folio_alloc", "^__folio_alloc", "^folio_unlock", "^filemap_alloc_folio", "^mempool_",
    "^page_frag_alloc", "^__page_frag", "^kmem_", "^slub_", "^___cache_free", "^cache_alloc",
    "^____cache_alloc", "^__cache_free", "^__do_kmalloc", "^__kmem_cache", "^alloc_slab",
    "^new_slab", "^allocate_slab", "^setup_object", "^kvrealloc", "^__vmalloc", "^__kvmalloc",
    "^devm_kmalloc", "^kmalloc_", "^__kmalloc",
  ]

  static let locking = [
    "lock_acquire", "lock_release", "^__lock_", "^lock_acquired", "^lock_contended", "spin_lock",
    "spin_unlock", "spin_trylock", "^_raw_", "^do_raw_", "^__raw_", "^queued_", "^native_queued_",
    "^__pv_queued", "^pv_queued", "read_lock", "write_lock", "read_unlock", "write_unlock", "rq_lock",
    "rq_unlock",
    "^osq_", "held_lock",
    "^mutex_", "^__mutex_", "^down_", "^__down", "^up_", "^__up_", "^up$", "^down$", "^rwsem_",
    "^__rwsem", "lockdep", "^lock_is_held", "^lock_sock", "^release_sock", "^__lock_sock",
    "^__release_sock", "^rcu_read_lock", "^rcu_read_unlock", "^__rcu_read_", "^local_bh_",
    "^__local_bh_", "^_local_bh_", "^preempt_", "^trace_hardirqs", "^percpu_down", "^percpu_up",
    "^__percpu_down", "^percpu_ref_", "^seqcount", "^read_seqbegin", "^write_seqlock", "^rt_mutex",
    "^__rt_mutex", "^rt_spin", "^ww_mutex", "^__ww_mutex", "^lockref_",
  ]

  static let atomics = [
    "^atomic_", "^atomic64_", "^arch_atomic", "^raw_atomic", "^__atomic", "^test_and_set_bit",
    "^test_and_clear_bit", "^__test_and", "^set_bit", "^clear_bit", "^__set_bit", "^__clear_bit",
    "^instrument_atomic", "^instrument_read", "^instrument_write",
  ]

  static let memoryAndStrings = [
    "^memcpy", "^__memcpy", "^memmove", "^__memmove", "^memset", "^__memset", "^memcmp", "^__memcmp",
    "^memchr", "^memscan", "^bcmp", "^strlen", "^strnlen", "^strcpy", "^strncpy", "^strlcpy",
    "^strscpy", "^sized_strscpy", "^strcmp", "^strncmp", "^strchr", "^strrchr", "^strstr", "^strcat",
    "^strncat", "^strlcat", "^strndup", "^strsep", "^__str", "^string$", "^string_nocheck",
    "^hex_string", "^hex_dump", "^print_hex_dump", "^vsnprintf", "^snprintf", "^sprintf",
    "^vsprintf", "^scnprintf", "^vscnprintf", "^kvasprintf", "^kasprintf", "^pointer$",
    "^format_decode", "^seq_printf", "^seq_vprintf", "copy_to_user", "copy_from_user", "copy_to_iter",
    "copy_from_iter",
    "^_copy_to_user", "^_copy_from_user", "^__copy_", "^copy_user", "^raw_copy_", "^copyin",
    "^copyout", "^copy_to_iter", "^copy_from_iter", "^_copy_to_iter", "^_copy_from_iter",
    "^copy_page_to_iter", "^copy_page_from_iter", "^iov_iter", "^iterate_iovec", "^iterate_bvec",
    "^iterate_kvec", "^iterate_xarray", "^instrument_copy",
    "^copy_mc", "^rep_movs", "^get_user", "^put_user", "^__get_user", "^__put_user",
    "^strncpy_from_user", "^strnlen_user", "^clear_user", "^__clear_user",
  ]

  static let dataStructures = [
    "^__list_", "^list_add", "^list_del", "^list_move", "^list_splice", "^__hlist", "^hlist_",
    "^rb_", "^__rb_", "^klist_", "^xa_", "^xas_", "^__xa_", "^idr_", "^ida_", "^radix_tree",
    "^llist_", "^__llist",
  ]

  static let deferredWork = [
    "^queue_work", "^__queue_work", "^queue_delayed_work", "^mod_delayed_work", "^flush_work",
    "^__flush_work", "^cancel_work", "^__cancel_work", "^cancel_delayed_work", "^del_timer",
    "^__del_timer", "^timer_delete", "^try_to_del_timer", "^__try_to_del_timer", "^__mod_timer",
    "^mod_timer", "^add_timer", "^lock_timer_base", "^kfree_rcu",
    "^kvfree_call_rcu",
  ]

  /// Wait queues, hash tables, checksums, timers: helpers a bad pointer reaches
  /// through its caller.
  static let helpers = [
    "check_memory_region", "^va_format", "^register_lock_class", "^finish_wait", "^prepare_to_wait",
    "wait_for_completion", "^__wake_up", "^wake_up$", "^wake_up_bit", "^wake_up_var", "^do_tag_check_fault",
    "tag_check", "_and_lock",
    "^rhashtable_", "^rht_", "^__rht_", "^crc", "^__crc", "timer_delete", "^usb_kill_", "^usb_anchor",
    "^print_unlock_imbalance_bug", "^print_usage_bug", "^print_circular_bug", "^put_device",
    "^sk_skb_", "^do_slb_fault", "^create_object", "^i2c_del_adapter", "^i2c_unregister_device",
    "^__unregister_client",
    "^device_for_each_child", "^aes_encrypt", "^aes_decrypt", "^find_lock_entries", "^truncate_inode_pages",
    "hwasan", "^get_taint", "^sk_stop_timer", "program_check",
    "^retint_",
    "common_interrupt_return", "^destroy_workqueue", "^quarantine_", "^iput$", "program_check_exception",
    "^device_release",
    "^print_tainted", "^__switch_to", "handle_overflow", "^get_device_parent", "^device_add",
    "^drain_workqueue",
    "^try_to_grab_pending", "^__cancel_work", "^logic_", "^walk_stackframe", "^arch_stack_walk",
    "^stack_trace_", "^save_stack", "^__read_once", "^kernel_fpu_", "^assertfail", "kobject",
    "^post_alloc_hook", "^prep_new_page", "^get_page_from_freelist", "^__save_stack_trace",
    "sysfs_", "is_static_object", "uevent", "^devres_", "^device_release_driver", "^__device_release_driver",
    "^drop_nlink", "^clear_nlink", "^inc_nlink", "^set_nlink", "^mark_buffer_dirty", "^__mark_inode_dirty",
    "_noprof", "^cleanup_srcu_struct", "^memdup", "^__virt_to_phys", "^rollback_registered",
    "^unregister_netdevice", "^kthread_insert_work_sanity_check", "^device_remove", "^complete$",
    "^complete_all", "^__init_work", "^init_timer",
  ]

  static let devices = [
    "^device_del", "^device_unregister", "^device_destroy", "^kobject_", "^kobj_",
    "^unregister_netdev", "^usb_submit_urb", "^usb_start_wait_urb", "^usb_bulk_msg",
    "^usb_interrupt_msg", "^usb_control_msg", "^usb_hcd_submit_urb", "dput$",
  ]

  /// Everything above: the default skip list of every kind.
  static let all = FramePatternList(
    reporting + allocation + locking + atomics + memoryAndStrings + dataStructures + deferredWork
      + helpers + devices)
}
