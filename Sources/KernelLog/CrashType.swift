/// The class of a crash, derived from its title alone (so two reports with one
/// title never disagree). Names are syzkaller's `crash.Type` values; `UNKNOWN` is
/// printed as no type.
public enum CrashType {
  /// Ordered: the first rule whose prefix (and every `contains` word) matches wins.
  struct Rule {
    let prefix: String
    let contains: [String]
    let type: String
    init(_ prefix: String, _ contains: [String], _ type: String) {
      self.prefix = prefix
      self.contains = contains
      self.type = type
    }
    init(_ prefix: String, _ type: String) {
      self.init(prefix, [], type)
    }
  }

  static let rules: [Rule] = [
    Rule("KASAN: ", ["invalid-free"], "KASAN-INVALID-FREE"),
    Rule("KASAN: ", ["double-free"], "KASAN-INVALID-FREE"),
    Rule("KASAN: ", ["null-ptr-deref", "Write"], "KASAN-NULL-POINTER-DEREFERENCE-WRITE"),
    Rule("KASAN: ", ["null-ptr-deref"], "KASAN-NULL-POINTER-DEREFERENCE-READ"),
    Rule("KASAN: ", ["use-after-free", "Write"], "KASAN-USE-AFTER-FREE-WRITE"),
    Rule("KASAN: ", ["use-after-free"], "KASAN-USE-AFTER-FREE-READ"),
    Rule("KASAN: ", ["Write"], "KASAN-WRITE"),
    Rule("KASAN: ", "KASAN-READ"),
    Rule("KMSAN: uninit-value", "KMSAN-UNINIT-VALUE"),
    Rule("KMSAN: kernel-infoleak", "KMSAN-INFO-LEAK"),
    Rule("KMSAN: kernel-usb-infoleak", "KMSAN-INFO-LEAK"),
    Rule("KMSAN: use-after-free", "KMSAN-USE-AFTER-FREE-READ"),
    Rule("KMSAN: ", "KMSAN-UNKNOWN"),
    Rule("KCSAN: data-race", "KCSAN-DATARACE"),
    Rule("KCSAN: assert", "KCSAN-ASSERT"),
    Rule("KCSAN: ", "KCSAN-UNKNOWN"),
    Rule("KFENCE: use-after-free read", "KFENCE-USE-AFTER-FREE-READ"),
    Rule("KFENCE: use-after-free write", "KFENCE-USE-AFTER-FREE-WRITE"),
    Rule("KFENCE: out-of-bounds read", "KFENCE-READ"),
    Rule("KFENCE: out-of-bounds write", "KFENCE-WRITE"),
    Rule("KFENCE: invalid read", "KFENCE-READ"),
    Rule("KFENCE: invalid write", "KFENCE-WRITE"),
    Rule("KFENCE: invalid free", "KFENCE-INVALID-FREE"),
    Rule("KFENCE: memory corruption", "KFENCE-MEMORY-CORRUPTION"),
    Rule("KFENCE: ", "KFENCE-UNKNOWN"),
    Rule("UBSAN: array-index-out-of-bounds", "MEMORY_SAFETY_UBSAN"),
    Rule("UBSAN: ", "UBSAN"),
    Rule("BUG: unable to handle kernel paging request", "MEMORY_SAFETY_BUG"),
    Rule("BUG: unable to handle kernel NULL pointer dereference", "NULL-POINTER-DEREFERENCE"),
    Rule("BUG: corrupted list", "MEMORY_SAFETY_BUG"),
    Rule("WARNING: refcount bug", "REFCOUNT_WARNING"),
    Rule("possible deadlock", "LOCKDEP"),
    Rule("inconsistent lock state", "LOCKDEP"),
    Rule("BUG: bad unlock balance", "LOCKDEP"),
    Rule("WARNING: bad unlock balance", "LOCKDEP"),
    Rule("BUG: held lock freed", "LOCKDEP"),
    Rule("WARNING: held lock freed", "LOCKDEP"),
    Rule("BUG: spinlock", "LOCKDEP"),
    Rule("BUG: rwlock", "LOCKDEP"),
    Rule("BUG: still has locks held", "LOCKDEP"),
    Rule("WARNING: still has locks held", "LOCKDEP"),
    Rule("WARNING: locking bug", "LOCKDEP"),
    Rule("WARNING: nested lock was not taken", "LOCKDEP"),
    Rule("WARNING: lock held when returning", "LOCKDEP"),
    Rule("BUG: lock held when returning", "LOCKDEP"),
    Rule("WARNING: suspicious RCU usage in", "LOCKDEP"),
    Rule("BUG: using ", "LOCKDEP"),
    Rule("BUG: scheduling while atomic", "ATOMIC_SLEEP"),
    Rule("BUG: sleeping function called from invalid context", "ATOMIC_SLEEP"),
    Rule("memory leak", "LEAK"),
    Rule("kernel BUG", "BUG"),
    Rule("BUG: bad usercopy", "BUG"),
    Rule("WARNING: kernel stack", "UNKNOWN"),
    Rule("WARNING", "WARNING"),
    Rule("INFO: rcu detected stall", "HANG"),
    Rule("INFO: task hung", "HANG"),
    Rule("INFO: task can't die", "HANG"),
    Rule("BUG: soft lockup", "HANG"),
    Rule("BUG: hard lockup", "HANG"),
    Rule("BUG: workqueue lockup", "HANG"),
    Rule("general protection fault", "DoS"),
    Rule("go runtime error", "DoS"),
    Rule("trusty: ", "DoS"),
    Rule("ZFS: PANIC", "BUG"),
    Rule("unexpected kernel reboot", "REBOOT"),
    Rule("stack segment fault", "DoS"),
    Rule("divide error", "DoS"),
    Rule("invalid opcode", "DoS"),
    Rule("int3", "DoS"),
    Rule("PANIC: double fault", "DoS"),
    Rule("kernel panic", "DoS"),
    Rule("kernel stack overflow", "DoS"),
    Rule("unregister_netdevice", "DoS"),
    Rule("Internal error", "DoS"),
    Rule("Unhandled fault", "DoS"),
    Rule("Alignment trap", "DoS"),
    Rule("Oops", "DoS"),
    Rule("BUG: Object already free", "DoS"),
    Rule("VFS: ", "DoS"),
    Rule("SYZFAIL", "SYZ_FAILURE"),
    Rule("SYZFATAL", "SYZ_FAILURE"),
  ]

  /// The type of a (normalized) title; `UNKNOWN` when no rule matches.
  public static func of(title: String) -> String {
    for rule in rules where title.hasPrefix(rule.prefix) {
      if rule.contains.allSatisfy({ title.contains($0) }) { return rule.type }
    }
    return "UNKNOWN"
  }
}
