/// The table of Linux crash kinds, in priority order: for a line, the first row
/// whose marker and pattern match wins. Titles follow syzkaller's conventions
/// (docs/report-parsing-syzkaller.md) so that buckets are compatible; the rows for
/// hard lockups, `Oops:` and boot panics are Coroner's own.
enum CrashKinds {
  static let bugSkips = ["^skb_", "^__skb_", "^pskb_"]
  static let lockdepSkips = [
    "^register_lock_class", "^__lock_acquire", "^lock_acquire", "^lockdep_", "print_usage_bug", "^mark_lock",
    "^valid_state", "imbalance_bug", "^mark_usage", "^mark_held_locks", "^lock_is_held", "^check_",
    "^validate_chain",
  ]

  /// The allocator frames at the top of a leaked object's allocation stack.
  static let leakAllocators = [
    "^__alloc", "^alloc_", "alloc_skb", "^__dev_alloc", "^pcpu_", "^kmem", "^kstrdup", "^__kmalloc",
    "^__vmalloc", "^vmalloc", "^kmemdup", "^__kmem_cache", "^slab_", "^kmalloc", "^kvmalloc", "^kzalloc",
    "^krealloc", "^__do_kmalloc", "^__kvmalloc", "^kcalloc", "^__kmem", "^kmalloc_trace", "^kmem_cache_alloc",
  ]

  static let table: [CrashKind] =
    sanitizers + faults + bugs + warnings + lockdep + infos + panics
    + others

  static let sanitizers: [CrashKind] = [
    // KASan of kernels 4.0 to 4.3 (mm/kasan/report.c of those releases): `BUG: KASan:
    // use after free in func+0x1/0x2 at addr ...`, then SLUB's allocation and free
    // tracks, and the access stack last. The header names the accessing function.
    CrashKind(
      "KASan:", #"BUG: KASan: use after free in ([A-Za-z_][\w.]*)\+(?:.*\n)*?.*\b(Read|Write) of size"#,
      window: 4, title: "KASAN: use-after-free {2} in {1}", stack: .capture(1)),
    CrashKind(
      "KASan:", #"BUG: KASan: out of bounds access in ([A-Za-z_][\w.]*)\+(?:.*\n)*?.*\b(Read|Write) of size"#,
      window: 4, title: "KASAN: out-of-bounds {2} in {1}", stack: .capture(1)),
    CrashKind(
      "KASAN:", #"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free)"#,
      title: "KASAN: invalid-free in {frame}", alt: ["invalid-free in {frame}"], stack: .trace),
    // A mail client may wrap the header right after `in`: the function opens the next line.
    CrashKind(
      "KASAN:", #"BUG: KASAN: ([a-z\-]+) in\s+\S+(?:.*\n)*?.*\b(Read|Write) (?:of|at addr)"#, window: 6,
      title: "KASAN: {1} {2} in {frame}", alt: ["bad-access in {frame}"], stack: .trace),
    CrashKind(
      "KASAN:", #"BUG: KASAN: ([a-z\-]+) on address"#, window: 4,
      title: "KASAN: {1} {rw}", stack: .none),
    CrashKind(
      "KASAN:", #"BUG: KASAN: ([a-z\-]+ in \S+(?: at addr \S+)?)"#,
      title: "KASAN: {1}", alt: ["bad-access in {frame}"], stack: .trace),
    CrashKind("KASAN:", #"BUG: KASAN: (.*)"#, title: "KASAN: {1}", corrupted: true),
    CrashKind(
      "KMSAN: kernel-usb-infoleak", title: "KMSAN: kernel-usb-infoleak in {frame}",
      stack: .trace, skip: ["^usb_submit_urb", "^usb_start_wait_urb", "^usb_"]),
    CrashKind(
      "KMSAN:", #"KMSAN: ([a-z\-]+)"#, title: "KMSAN: {1} in {frame}", stack: .trace,
      skip: ["^copy_", "^_copy_", "^__copy_", "^instrument_", "^skb_copy_datagram"]),
    CrashKind("KCSAN:", #"KCSAN: (.*)"#, title: "KCSAN: {1}"),
    CrashKind(
      "KFENCE:", #"KFENCE: (use-after-free|out-of-bounds) (read|write)"#,
      title: "KFENCE: {1} {2} in {frame}", alt: ["bad-access in {frame}"], stack: .trace),
    CrashKind("KFENCE:", #"KFENCE: invalid free"#, title: "KFENCE: invalid free in {frame}", stack: .trace),
    CrashKind(
      "KFENCE:", #"KFENCE: invalid (read|write)"#, title: "KFENCE: invalid {1} in {frame}",
      alt: ["bad-access in {frame}"], stack: .trace),
    CrashKind(
      "KFENCE:", #"KFENCE: memory corruption"#, title: "KFENCE: memory corruption in {frame}",
      stack: .trace),
    CrashKind(
      "UBSAN:", #"UBSAN: array-index-out-of-bounds"#, title: "UBSAN: array-index-out-of-bounds in {frame}",
      alt: ["bad-access in {frame}"], stack: .trace),
    CrashKind(
      "UBSAN:", #"UBSAN: Undefined behaviour"#, title: "UBSAN: undefined-behaviour in {frame}",
      stack: .trace),
    CrashKind("UBSAN:", #"UBSAN: ([a-z\-]+) in"#, title: "UBSAN: {1} in {frame}", stack: .trace),
  ]

  static let faults: [CrashKind] = [
    // powerpc words a bad kernel access `BUG: Kernel NULL pointer dereference on read at
    // 0x...` when the address is in the first page, and `BUG: Unable to handle kernel data
    // access on write at ...` or `... instruction fetch` otherwise (arch/powerpc/mm/fault.c,
    // `__bad_page_fault`); the faulting function is on its `NIP [..]` line.
    CrashKind(
      "BUG: ",
      #"BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel (?:data access|instruction fetch))"#,
      title: "BUG: unable to handle kernel paging request in {frame}", alt: ["bad-access in {frame}"],
      stack: .ripThenTrace),
    CrashKind(
      "BUG: ",
      #"BUG: (?:unable to handle kernel NULL pointer dereference|[kK]ernel NULL pointer dereference)"#,
      title: "BUG: unable to handle kernel NULL pointer dereference in {frame}",
      alt: ["bad-access in {frame}"], stack: .ripThenTrace),
    CrashKind("BUG: unable to handle kernel", title: "BUG: unable to handle kernel", corrupted: true),
    // Other wordings of a bad kernel access: arm64's `die_kernel_fault()` (arch/arm64/mm/fault.c:
    // execute from non-executable memory, write to read-only memory, read from unreadable
    // memory (EL1 permission faults, 6.9 on), or the name of a fault
    // its `fault_info` table routes to `do_bad()`: `level -1 translation fault`, or `unknown
    // 43` in kernels older than the table's LPA2 rows) and s390's
    // `do_no_context()` (arch/s390/mm/fault.c: pointer dereference in virtual kernel
    // address space).
    CrashKind(
      "Unable to handle kernel",
      #"Unable to handle kernel (?:execute from non-executable memory|write to read-only memory|read from unreadable memory|execution of user memory|access at virtual address|level -?[0-3] (?:translation|address size|access flag|permission) fault|unknown [0-9]+ at|(?:pointer dereference|paging request) in virtual (?:kernel|user) address space)"#,
      title: "BUG: unable to handle kernel paging request in {frame}", alt: ["bad-access in {frame}"],
      stack: .ripThenTrace),
    CrashKind(
      "Unable to handle kernel",
      #"Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)"#,
      title: "BUG: unable to handle kernel {1} in {frame}", alt: ["bad-access in {frame}"],
      stack: .ripThenTrace),
    CrashKind(
      "general protection fault", title: "general protection fault in {frame}",
      alt: ["bad-access in {frame}"], stack: .ripThenTrace,
      suppress: ["general protection fault ip:", "general protection ip:", "traps:"]),
    CrashKind("stack segment: ", title: "stack segment fault in {frame}", stack: .ripThenTrace),
    CrashKind(
      "PANIC: double fault", title: "PANIC: double fault in {frame}", stack: .ripThenTrace,
      continuesReport: true),
    // Coroner: a fault before the IDT is set up (arch/x86/kernel/head64.c
    // `early_fixup_exception()` through early_printk: `PANIC: early exception 0x0e IP
    // 10:ffffffff81000000 error 0 cr2 0x0`; 2.6's `early exception 0e rip 10:...`).
    CrashKind("PANIC: early exception", title: "PANIC: early exception in {frame}", stack: .ripThenTrace),
    CrashKind("divide error:", title: "divide error in {frame}", stack: .ripThenTrace),
    CrashKind("divide_error:", title: "divide error in {frame}", stack: .ripThenTrace),
    CrashKind(
      "invalid opcode:", title: "invalid opcode in {frame}", stack: .ripThenTrace, continuesReport: true),
    CrashKind("int3: ", title: "int3 in {frame}", stack: .ripThenTrace),
    CrashKind(
      "Internal error:", title: "Internal error in {frame}", alt: ["bad-access in {frame}"],
      stack: .ripThenTrace, continuesReport: true),
    CrashKind(
      "Unhandled fault:", title: "Unhandled fault in {frame}", alt: ["bad-access in {frame}"],
      stack: .ripThenTrace),
    CrashKind("Alignment trap:", title: "Alignment trap in {frame}", stack: .ripThenTrace),
    // Coroner: architectures and kernels that print only `Oops:` as the header.
    // Not a message that only starts with the word, a subsystem's tag after it: EFI's
    // `Oops: efitime: can't read time!` (arch/x86/platform/efi/efi.c of 3.x).
    CrashKind(
      "Oops: ", #"^Oops: (?![a-z0-9_]+: )"#, title: "Oops in {frame}", stack: .ripThenTrace,
      continuesReport: true),
    // Coroner: MIPS's `die_if_kernel()` traps (arch/mips/kernel/traps.c), whose header is
    // the trap's message and the oops count: `Reserved instruction in kernel code[#1]:`.
    CrashKind(
      " in kernel code[#", #"([A-Z][A-Za-z ]* in kernel code)\[#\d+\]"#, title: "{1} in {frame}",
      stack: .ripThenTrace),
    // Coroner: LoongArch's address error and alignment traps, `die("Kernel ade access",
    // regs)` and `die("Kernel ale access", ...)` (arch/loongarch/kernel/traps.c), printed
    // as `Kernel ade access[#1]:`.
    CrashKind(
      " access[#", #"^(Kernel a[dl]e access)\[#\d+\]"#, title: "{1} in {frame}", stack: .ripThenTrace),
  ]

  static let bugs: [CrashKind] = [
    CrashKind(
      "kernel BUG at", #"kernel BUG at mm/usercopy.c"#, title: "BUG: bad usercopy in {frame}",
      stack: .ripThenTrace,
      skip: [
        "^usercopy_abort", "^__check_object_size", "^check_heap_object", "^__check_heap_object",
        "^check_object_size",
      ]),
    CrashKind(
      "kernel BUG at", #"kernel BUG at lib/list_debug.c"#, title: "BUG: corrupted list in {frame}",
      stack: .ripThenTrace, skip: ["^__list_", "list_", "^list_debug"]),
    CrashKind("kernel BUG at", title: "kernel BUG in {frame}", stack: .ripThenTrace, skip: bugSkips),
    CrashKind("Kernel BUG at", title: "kernel BUG in {frame}", stack: .ripThenTrace, skip: bugSkips),
    // SLUB's debug checks (mm/slub.c `slab_bug()`): `BUG <cache> (<taint>): <what>`, the
    // cache any slab's name. syzkaller titles the double free by its words alone; an
    // overwritten redzone, poison or padding is named, as the annotated real logs name
    // it, after the first caller outside the allocator whose check found it.
    CrashKind(
      "): Object already free", #"^BUG \S+ \([^)]*\): Object already free"#, title: "BUG: Object already free"
    ),
    CrashKind(
      " overwritten",
      #"^BUG \S+ \([^)]*\): ((?:Left |Right )?Redzone|Poison|(?:Object )?[Pp]adding) overwritten"#,
      title: "BUG: {1} overwritten in {frame}", stack: .trace,
      skip: [
        "^check_bytes_and_report", "^check_object", "^check_pad_bytes", "_debug_processing$",
        "^slab_pad_check",
      ]),
    // Kernels before 3.16 print `BUG: spinlock lockup on CPU#0` for the same check
    // (kernel/locking/spinlock_debug.c `__spin_lock_debug()`).
    CrashKind(
      "BUG: ", #"BUG: spinlock lockup on CPU"#, title: "BUG: spinlock lockup suspected in {frame}",
      stack: .trace,
      skip: ["^spin_", "^do_raw_spin", "^spin_dump", "^spin_bug"]),
    CrashKind(
      "BUG: ",
      #"BUG: spinlock (lockup suspected|already unlocked|recursion|bad magic|wrong owner|wrong CPU|cpu recursion)"#,
      title: "BUG: spinlock {1} in {frame}", stack: .trace,
      skip: ["^spin_", "^do_raw_spin", "^spin_dump", "^spin_bug"]),
    CrashKind(
      "BUG: ", #"BUG: rwlock (lockup suspected|already unlocked|recursion|bad magic|wrong owner|wrong CPU)"#,
      title: "BUG: rwlock {1} in {frame}", stack: .trace, skip: ["^rwlock_bug", "^do_raw_"]),
    CrashKind(
      "soft lockup", #"BUG: soft lockup"#, title: "BUG: soft lockup in {frame}", alt: ["stall in {frame}"],
      stack: .stall),
    // Coroner: the NMI watchdog (kernel/watchdog_perf.c), absent from syzkaller's table.
    CrashKind(
      "hard LOCKUP", #"Watchdog detected hard LOCKUP"#, title: "BUG: hard lockup in {frame}",
      alt: ["stall in {frame}"], stack: .nmiStall),
    CrashKind(
      "BUG: ", #"BUG: .*still has locks held"#, title: "BUG: still has locks held in {frame}",
      stack: .lockSite),
    CrashKind(
      "BUG: ", #"BUG: scheduling while atomic"#, title: "BUG: scheduling while atomic in {frame}",
      stack: .trace, skip: ["schedule", "^__schedule", "^schedule_", "^do_nanosleep", "^hrtimer_nanosleep"]),
    CrashKind(
      "BUG: ", #"BUG: lock held when returning to user space"#,
      title: "BUG: lock held when returning to user space in {frame}", stack: .lockSite),
    CrashKind(
      "BUG: ", #"BUG: bad unlock balance detected"#, title: "BUG: bad unlock balance in {frame}",
      stack: .lockSite),
    CrashKind("BUG: ", #"BUG: held lock freed"#, title: "BUG: held lock freed in {frame}", stack: .lockSite),
    CrashKind("BUG: ", #"BUG: Bad rss-counter state"#, title: "BUG: Bad rss-counter state"),
    CrashKind(
      "BUG: ", #"BUG: non-zero (nr_ptes|nr_pmds|pgtables_bytes) on freeing mm"#,
      title: "BUG: non-zero {1} on freeing mm"),
    CrashKind(
      "BUG: ", #"BUG: Dentry .* still in use .*\[unmount of ([^\]]*)\]"#,
      title: "BUG: Dentry still in use in unmount",
      alt: ["BUG: Dentry still in use [unmount of {1}]"]),
    CrashKind(
      "BUG: ", #"BUG: Bad page (state|cache)"#, title: "BUG: Bad page {1} in {frame}", stack: .trace,
      skip: [
        "^free_", "^__free_", "^free_pcp", "^__put_", "^put_page", "^release_pages",
        "^__folio_put", "^folio_put", "^__page_cache_release", "^page_frag_free", "^skb_",
        "^__skb_", "^kfree_skb", "^consume_skb", "^__kfree_skb",
      ]),
    // syzkaller titles print_bad_pte()'s report (mm/memory.c; print_bad_page_map()
    // since 6.18) without a function; the culprit is the reporter's caller.
    CrashKind(
      "BUG: ", #"BUG: Bad page map"#, title: "BUG: Bad page map",
      skip: ["^print_bad_pte", "^print_bad_page_map"]),
    CrashKind("BUG: workqueue lockup", title: "BUG: workqueue lockup"),
    CrashKind(
      "BUG: ", #"BUG: sleeping function called from invalid context"#,
      title: "BUG: sleeping function called from invalid context in {frame}", stack: .trace),
    CrashKind(
      "BUG: ", #"BUG: using (\w+)\(\) in preemptible"#,
      title: "BUG: using {1}() in preemptible code in {frame}",
      stack: .trace),
    CrashKind(
      "BUG: ", #"BUG: workqueue leaked lock or atomic(?:.*\n)*?.*last function: (\w+)"#, window: 2,
      title: "BUG: workqueue leaked lock or atomic in {1}"),
    CrashKind(
      "BUG: ", #"BUG: memory leak"#, title: "memory leak in {frame}", stack: .after("backtrace"),
      skip: leakAllocators),
    // The objects as /sys/kernel/debug/kmemleak lists them (mm/kmemleak.c,
    // print_unreferenced()), pasted without the `BUG: memory leak` a test harness prints
    // first; on the console each line starts `kmemleak: `.
    CrashKind(
      "unreferenced object 0x", #"unreferenced object 0x[0-9a-f]+ \(size \d+\):"#,
      title: "memory leak in {frame}",
      stack: .after("backtrace"), skip: leakAllocators),
    CrashKind(
      "BUG: ", #"BUG: (?:TASK )?stack guard page was hit"#, title: "BUG: stack guard page was hit in {frame}",
      alt: ["stack-overflow in {frame}"], stack: .stall),
    CrashKind(
      "BUG: ", #"BUG: Invalid wait context"#, title: "WARNING: locking bug in {frame}", stack: .trace,
      skip: lockdepSkips),
    CrashKind("BUG: ", #"BUG: MAX_([A-Z_]+) too low!"#, title: "BUG: MAX_{1} too low!"),
    CrashKind("BUG: ", #"BUG: (?:KASAN|KMSAN|KFENCE)"#, title: "BUG: corrupted", corrupted: true),
    CrashKind(
      "BUG: ", #"^BUG: [A-Za-z]"#, title: "BUG: corrupted", corrupted: true,
      suppress: ["BUG: Unable to handle"]),
  ]

  static let warnings: [CrashKind] = [
    CrashKind(
      "WARNING:", #"WARNING: .*lib/debugobjects\.c"#, title: "WARNING: ODEBUG bug in {frame}",
      stack: .ripThenTrace,
      skip: [
        "^debug_", "^__debug_", "^free_obj_work", "^debug_check_no_obj_freed", "^call_rcu", "^__call_rcu",
      ]),
    CrashKind(
      "WARNING:", #"WARNING: .*mm/usercopy\.c"#, title: "WARNING: bad usercopy in {frame}",
      stack: .ripThenTrace),
    CrashKind(
      "WARNING:", #"WARNING: .*lib/kobject\.c"#, title: "WARNING: kobject bug in {frame}",
      stack: .ripThenTrace, skip: ["^kobject_"]),
    CrashKind(
      "WARNING:", #"WARNING: .*fs/proc/generic\.c"#, title: "WARNING: proc registration bug in {frame}",
      stack: .ripThenTrace, skip: ["^proc_", "^_proc_", "^__proc_"]),
    CrashKind(
      "WARNING:", #"WARNING: .*lib/refcount\.c"#, title: "WARNING: refcount bug in {frame}",
      stack: .ripThenTrace, skip: ["^refcount", "^__refcount"]),
    CrashKind(
      "WARNING:", #"WARNING: .*kernel/locking/lockdep\.c"#, title: "WARNING: locking bug in {frame}",
      stack: .ripThenTrace,
      skip: lockdepSkips + [
        "^look_up_lock_class", "^register_lock_class", "^check_", "^hlock_class", "^__lock_",
      ]),
    CrashKind(
      "WARNING:",
      #"WARNING: .*mm/(?:slab_common|util|slab|slub|page_alloc)\.c:\d+ (?:kmalloc|__kmalloc|kvmalloc|kmalloc_slab|kmalloc_order|kvmalloc_node|__kvmalloc)"#,
      title: "WARNING: kmalloc bug in {frame}", stack: .ripThenTrace),
    CrashKind(
      "WARNING:", #"WARNING: .*mm/vmalloc\.c:\d+ __vmalloc_node"#,
      title: "WARNING: zero-size vmalloc in {frame}",
      stack: .ripThenTrace),
    CrashKind(
      "WARNING:", #"WARNING: .*lib/list_debug\.c"#, title: "BUG: corrupted list in {frame}",
      stack: .ripThenTrace, skip: ["^__list_", "list_"]),
    CrashKind(
      "WARNING:", #"WARNING: .*drivers/usb/core/urb\.c"#, title: "WARNING in {frame}/usb_submit_urb",
      stack: .ripThenTrace, skip: ["^usb_submit_urb", "^usb_start_wait_urb", "^usb_"]),
    CrashKind(
      "WARNING:",
      #"WARNING: (?:possible circular locking dependency detected|possible recursive locking detected)(?:.*\n)*?(?:-> #0|.*is trying to acquire)"#,
      // Since Linux 5.3 the `-> #0` chain is saved where lockdep checks the new
      // dependency, so it starts in lockdep itself: check_prev_add, validate_chain,
      // __lock_acquire (kernel/locking/lockdep.c).
      window: 12, title: "possible deadlock in {frame}", stack: .lockdepDeadlock, skip: lockdepSkips),
    // Too damaged to find the lock chain: keep the header's own words.
    CrashKind(
      "WARNING:",
      #"WARNING: (possible circular locking dependency detected|possible recursive locking detected)"#,
      title: "WARNING: {1}", corrupted: true),
    CrashKind(
      "WARNING:", #"WARNING: (?:HARDIRQ|SOFTIRQ)-safe -> (?:HARDIRQ|SOFTIRQ)-unsafe lock order detected"#,
      title: "possible deadlock in {frame}", stack: .after("-irq-safe at:"), skip: lockdepSkips),
    CrashKind(
      "WARNING:", #"WARNING: possible irq lock inversion dependency detected"#,
      title: "possible deadlock in {frame}", stack: .lockSite),
    CrashKind(
      "WARNING:", #"WARNING: inconsistent lock state"#, title: "inconsistent lock state in {frame}",
      stack: .after("stack backtrace:"), skip: lockdepSkips),
    CrashKind(
      "WARNING:", #"WARNING: suspicious RCU usage"#, title: "WARNING: suspicious RCU usage in {frame}",
      stack: .after("stack backtrace:"), skip: ["rcu", "^kmem_", "^slab_", "^kmalloc"],
      bareTitle: "WARNING: suspicious RCU usage"),
    CrashKind(
      "WARNING:", #"WARNING: kernel stack regs at [0-9a-f]+ in .* has bad '(\w+)' value"#,
      title: "WARNING: kernel stack regs has bad '{1}' value"),
    CrashKind(
      "WARNING:", #"WARNING: kernel stack (?:regs|frame pointer) at"#,
      title: "WARNING: kernel stack regs has bad value"),
    CrashKind(
      "WARNING:", #"WARNING: bad unlock balance detected"#, title: "WARNING: bad unlock balance in {frame}",
      stack: .lockSite),
    CrashKind(
      "WARNING:", #"WARNING: held lock freed"#, title: "WARNING: held lock freed in {frame}", stack: .lockSite
    ),
    CrashKind(
      "WARNING:", #"WARNING: .*still has locks held"#, title: "WARNING: still has locks held in {frame}",
      stack: .lockSite),
    CrashKind(
      "WARNING:", #"WARNING: lock held when returning to user space"#,
      title: "WARNING: lock held when returning to user space in {frame}", stack: .lockSite),
    CrashKind(
      "WARNING:", #"WARNING: [Nn]ested lock was not taken"#,
      title: "WARNING: nested lock was not taken in {frame}",
      stack: .lockSite),
    CrashKind(
      "WARNING:", #"WARNING: (?:CPU: \d+ PID: \d+ at |(?:\[.*\] )?\S+:\d+ at |at )"#,
      title: "WARNING in {frame}",
      stack: .ripThenTrace,
      suppress: ["WARNING: /etc/ssh", "WARNING: workqueue cpumask"]),
  ]

  static let lockdep: [CrashKind] = [
    CrashKind(
      "DEBUG_LOCKS_WARN_ON", #"DEBUG_LOCKS_WARN_ON(?!.*\n.*WARNING: )"#, window: 1,
      title: "WARNING: locking bug in {frame}", stack: .ripThenTrace, skip: lockdepSkips),
    CrashKind(
      "INFO: possible circular locking dependency detected", title: "possible deadlock in {frame}",
      stack: .lockdepDeadlock),
    CrashKind(
      "INFO: possible recursive locking detected", title: "possible deadlock in {frame}",
      stack: .lockdepDeadlock),
    CrashKind(
      "INFO: ", #"INFO: (?:HARDIRQ|SOFTIRQ)-safe -> (?:HARDIRQ|SOFTIRQ)-unsafe lock order detected"#,
      title: "possible deadlock in {frame}", stack: .lockSite),
    CrashKind(
      "INFO: possible irq lock inversion dependency detected", title: "possible deadlock in {frame}",
      stack: .lockSite),
    CrashKind(
      "INFO: inconsistent lock state", title: "inconsistent lock state in {frame}",
      stack: .after("stack backtrace:"), skip: lockdepSkips),
  ]

  static let infos: [CrashKind] = [
    CrashKind(
      "INFO: ", #"INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stall"#,
      title: "INFO: rcu detected stall in {frame}", alt: ["stall in {frame}"], stack: .stall),
    CrashKind(
      "INFO: ", #"INFO: rcu_tasks detected stalls"#, title: "INFO: rcu detected stall in {frame}",
      alt: ["stall in {frame}"], stack: .none, corrupted: true),
    CrashKind(
      "INFO: ", #"INFO: task .*(?:\n.*)? blocked (?:in I/O wait )?for more than \d+\s+seconds"#, window: 1,
      title: "INFO: task hung in {frame}",
      alt: ["hang in {frame}"], stack: .hang),
    CrashKind(
      "INFO: ", #"INFO: task .* can't die for more than"#, title: "INFO: task can't die in {frame}",
      alt: ["hang in {frame}"], stack: .hang),
    CrashKind(
      "INFO: ", #"INFO: trying to register non-static key"#,
      title: "INFO: trying to register non-static key in {frame}", stack: .trace,
      skip: lockdepSkips + ["^assign_lock_key", "^__lock_acquire"]),
    CrashKind(
      "INFO: ", #"INFO: suspicious RCU usage"#, title: "INFO: suspicious RCU usage in {frame}",
      stack: .after("stack backtrace:"), skip: ["rcu", "^kmem_", "^slab_", "^kmalloc"]),
    CrashKind(
      "INFO: ", #"INFO: (Freed|Allocated) in (\S+)( age=\S+ cpu=\S+ pid=\S+)"#,
      title: "INFO: {1} in {2}{3}", corrupted: true, continuesReport: true),
    CrashKind(
      "INFO: ", #"^INFO: [a-z]"#, title: "INFO: corrupted", corrupted: true,
      suppress: ["INFO: lockdep is turned off", "INFO: NMI handler", "INFO: Stall ended", "INFO: Slab"]),
  ]

  static let panics: [CrashKind] = [
    CrashKind(
      "Kernel panic",
      #"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ([A-Za-z_][\w.]*)\+"#,
      title: "kernel panic: stack is corrupted in {1}", alt: ["stack-overflow in {1}"], stack: .named(1),
      continuesReport: true),
    CrashKind(
      "Kernel panic", #"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted"#,
      title: "kernel panic: stack is corrupted in {frame}", alt: ["stack-overflow in {frame}"],
      stack: .trace, skip: ["^__stack_chk_fail"], continuesReport: true),
    CrashKind(
      "Kernel panic", #"Kernel panic - not syncing: corrupted stack end detected inside scheduler"#,
      title: "kernel panic: corrupted stack end in {frame}", alt: ["stack-overflow in {frame}"],
      stack: .stall, continuesReport: true),
    CrashKind(
      "Kernel panic", #"Kernel panic - not syncing: kernel stack overflow"#,
      title: "kernel stack overflow in {frame}",
      alt: ["stack-overflow in {frame}"], stack: .stall, continuesReport: true),
    CrashKind(
      "Kernel panic", #"Kernel panic - not syncing: (Attempted to kill init!)"#, title: "kernel panic: {1}",
      continuesReport: true),
    CrashKind(
      "Kernel panic",
      #"Kernel panic - not syncing: (Fatal exception|panic_on_warn set|hung_task: blocked tasks|softlockup: hung tasks|kernel: panic_on_warn set)"#,
      title: "kernel panic: {1}", corrupted: true, continuesReport: true),
    CrashKind(
      "Kernel panic", #"Kernel panic - not syncing: (.*)"#, title: "kernel panic: {1}", continuesReport: true),
  ]

  static let others: [CrashKind] = [
    // OpenZFS's SPL (module/os/linux/spl/spl-err.c `spl_panic()`): a failed
    // VERIFY/ASSERT prints `PANIC at file.c:123:func()`; SPL before 0.7 printed
    // `SPLError: pid:0:(file.c:123:func()) SPL PANIC`. The asserting function is
    // named by the line itself.
    CrashKind(
      "PANIC at ", #"PANIC at [\w.]+:\d+:(\w+)\(\)"#, title: "ZFS: PANIC in {1}", stack: .capture(1)),
    CrashKind(
      "SPL PANIC", #"\([\w.]+:\d+:(\w+)\(\)\) SPL PANIC"#, title: "ZFS: PANIC in {1}", stack: .capture(1)),
    // Trusty, the trusted OS beside Android's kernel (drivers/trusty): its panics
    // reach the kernel log as `trusty: panic (caller ...): ASSERT FAILED at (file:line): cond`.
    CrashKind(
      "trusty: panic", #"ASSERT FAILED at \([^)]*\): (.*)"#, title: "trusty: ASSERT FAILED: {1}"),
    CrashKind("trusty: panic", #"trusty: panic[^:]*: (.*)"#, title: "trusty: panic: {1}"),
    // x86's decompressor (arch/x86/boot/compressed/misc.c) starting a new kernel
    // in the middle of a log: the machine rebooted without a report.
    CrashKind("Booting the kernel", #"^Booting the kernel\."#, title: "unexpected kernel reboot"),
    // Rust's panic handler (rust/kernel/lib.rs) prints `panicked at file:line:col:`
    // and the message on the next line; the message is the bug's name.
    CrashKind(
      "rust_kernel: panicked", #"panicked at [^\n]*\n(?:.*rust_kernel: )?\s*([^\n]+)"#, window: 1,
      title: "{1} in {frame}", stack: .trace,
      skip: ["rust_begin_unwind", "panicking", "rust_helper_BUG", "^_RNv"]),
    CrashKind(
      "unregister_netdevice: waiting for", title: "unregister_netdevice: waiting for DEV to become free"),
    CrashKind("VFS: Close: file count is 0", title: "VFS: Close: file count is zero (use-after-free)"),
    CrashKind("VFS: Busy inodes after unmount", title: "VFS: Busy inodes after unmount (use-after-free)"),
    CrashKind("SYZFAIL:", #"SYZFAIL: (.*)"#, title: "SYZFAIL: {1}"),
    CrashKind("SYZFATAL:", #"SYZFATAL: (.*)"#, title: "SYZFATAL: {1}"),
    // The Go runtime of syzkaller's fuzzer and executor.
    CrashKind(
      "fatal error:",
      #"^fatal error: (?:runtime|unexpected signal|all goroutines|concurrent map|found bad|stack)"#,
      title: "go runtime error"),
  ]
}
