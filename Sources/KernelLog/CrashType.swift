/// The class of a crash, derived from its title alone (so two reports with one
/// title never disagree). The raw values are syzkaller's `crash.Type` names
/// (syzkaller pkg/report/crash), as the JSON carries them; `UNKNOWN` is printed as no
/// type.
public enum CrashType: String, Sendable, Hashable, Codable, CaseIterable {
  case atomicSleep = "ATOMIC_SLEEP"
  case bug = "BUG"
  case dos = "DoS"
  case hang = "HANG"
  case kasanInvalidFree = "KASAN-INVALID-FREE"
  case kasanNullPointerDereferenceRead = "KASAN-NULL-POINTER-DEREFERENCE-READ"
  case kasanNullPointerDereferenceWrite = "KASAN-NULL-POINTER-DEREFERENCE-WRITE"
  case kasanRead = "KASAN-READ"
  case kasanUseAfterFreeRead = "KASAN-USE-AFTER-FREE-READ"
  case kasanUseAfterFreeWrite = "KASAN-USE-AFTER-FREE-WRITE"
  case kasanWrite = "KASAN-WRITE"
  case kcsanAssert = "KCSAN-ASSERT"
  case kcsanDatarace = "KCSAN-DATARACE"
  case kcsanUnknown = "KCSAN-UNKNOWN"
  case kfenceInvalidFree = "KFENCE-INVALID-FREE"
  case kfenceMemoryCorruption = "KFENCE-MEMORY-CORRUPTION"
  case kfenceRead = "KFENCE-READ"
  case kfenceUnknown = "KFENCE-UNKNOWN"
  case kfenceUseAfterFreeRead = "KFENCE-USE-AFTER-FREE-READ"
  case kfenceUseAfterFreeWrite = "KFENCE-USE-AFTER-FREE-WRITE"
  case kfenceWrite = "KFENCE-WRITE"
  case kmsanInfoLeak = "KMSAN-INFO-LEAK"
  case kmsanUninitValue = "KMSAN-UNINIT-VALUE"
  case kmsanUnknown = "KMSAN-UNKNOWN"
  case kmsanUseAfterFreeRead = "KMSAN-USE-AFTER-FREE-READ"
  case leak = "LEAK"
  case lockdep = "LOCKDEP"
  case memorySafetyBug = "MEMORY_SAFETY_BUG"
  case memorySafetyUbsan = "MEMORY_SAFETY_UBSAN"
  case nullPointerDereference = "NULL-POINTER-DEREFERENCE"
  case reboot = "REBOOT"
  case refcountWarning = "REFCOUNT_WARNING"
  case syzFailure = "SYZ_FAILURE"
  case ubsan = "UBSAN"
  case unknown = "UNKNOWN"
  case warning = "WARNING"

  /// Ordered: the first rule whose prefix (and every `contains` word) matches wins.
  struct Rule {
    let prefix: String
    let contains: [String]
    let type: CrashType
    init(_ prefix: String, _ contains: [String], _ type: CrashType) {
      self.prefix = prefix
      self.contains = contains
      self.type = type
    }
    init(_ prefix: String, _ type: CrashType) {
      self.init(prefix, [], type)
    }
  }

  static let rules: [Rule] = [
    Rule("KASAN: ", ["invalid-free"], .kasanInvalidFree),
    Rule("KASAN: ", ["double-free"], .kasanInvalidFree),
    Rule("KASAN: ", ["null-ptr-deref", "Write"], .kasanNullPointerDereferenceWrite),
    Rule("KASAN: ", ["null-ptr-deref"], .kasanNullPointerDereferenceRead),
    Rule("KASAN: ", ["use-after-free", "Write"], .kasanUseAfterFreeWrite),
    Rule("KASAN: ", ["use-after-free"], .kasanUseAfterFreeRead),
    Rule("KASAN: ", ["Write"], .kasanWrite),
    Rule("KASAN: ", .kasanRead),
    Rule("KMSAN: uninit-value", .kmsanUninitValue),
    Rule("KMSAN: kernel-infoleak", .kmsanInfoLeak),
    Rule("KMSAN: kernel-usb-infoleak", .kmsanInfoLeak),
    Rule("KMSAN: use-after-free", .kmsanUseAfterFreeRead),
    Rule("KMSAN: ", .kmsanUnknown),
    Rule("KCSAN: data-race", .kcsanDatarace),
    Rule("KCSAN: assert", .kcsanAssert),
    Rule("KCSAN: ", .kcsanUnknown),
    Rule("KFENCE: use-after-free read", .kfenceUseAfterFreeRead),
    Rule("KFENCE: use-after-free write", .kfenceUseAfterFreeWrite),
    Rule("KFENCE: out-of-bounds read", .kfenceRead),
    Rule("KFENCE: out-of-bounds write", .kfenceWrite),
    Rule("KFENCE: invalid read", .kfenceRead),
    Rule("KFENCE: invalid write", .kfenceWrite),
    Rule("KFENCE: invalid free", .kfenceInvalidFree),
    Rule("KFENCE: memory corruption", .kfenceMemoryCorruption),
    Rule("KFENCE: ", .kfenceUnknown),
    Rule("UBSAN: array-index-out-of-bounds", .memorySafetyUbsan),
    Rule("UBSAN: ", .ubsan),
    Rule("BUG: unable to handle kernel paging request", .memorySafetyBug),
    Rule("BUG: unable to handle kernel NULL pointer dereference", .nullPointerDereference),
    Rule("BUG: corrupted list", .memorySafetyBug),
    Rule("WARNING: refcount bug", .refcountWarning),
    Rule("possible deadlock", .lockdep),
    Rule("inconsistent lock state", .lockdep),
    Rule("BUG: bad unlock balance", .lockdep),
    Rule("WARNING: bad unlock balance", .lockdep),
    Rule("BUG: held lock freed", .lockdep),
    Rule("WARNING: held lock freed", .lockdep),
    Rule("BUG: spinlock", .lockdep),
    Rule("BUG: rwlock", .lockdep),
    Rule("BUG: still has locks held", .lockdep),
    Rule("WARNING: still has locks held", .lockdep),
    Rule("WARNING: locking bug", .lockdep),
    Rule("WARNING: nested lock was not taken", .lockdep),
    Rule("WARNING: lock held when returning", .lockdep),
    Rule("BUG: lock held when returning", .lockdep),
    Rule("WARNING: suspicious RCU usage in", .lockdep),
    Rule("BUG: using ", .lockdep),
    Rule("BUG: scheduling while atomic", .atomicSleep),
    Rule("BUG: sleeping function called from invalid context", .atomicSleep),
    Rule("memory leak", .leak),
    Rule("kernel BUG", .bug),
    Rule("BUG: bad usercopy", .bug),
    Rule("WARNING: kernel stack", .unknown),
    Rule("WARNING", .warning),
    Rule("INFO: rcu detected stall", .hang),
    Rule("INFO: task hung", .hang),
    Rule("INFO: task can't die", .hang),
    Rule("BUG: soft lockup", .hang),
    Rule("BUG: hard lockup", .hang),
    Rule("BUG: workqueue lockup", .hang),
    Rule("general protection fault", .dos),
    Rule("go runtime error", .dos),
    Rule("trusty: ", .dos),
    Rule("ZFS: PANIC", .bug),
    Rule("unexpected kernel reboot", .reboot),
    Rule("stack segment fault", .dos),
    Rule("divide error", .dos),
    Rule("invalid opcode", .dos),
    Rule("int3", .dos),
    Rule("PANIC: double fault", .dos),
    Rule("PANIC: early exception", .dos),
    Rule("kernel panic", .dos),
    Rule("kernel stack overflow", .dos),
    Rule("unregister_netdevice", .dos),
    Rule("Internal error", .dos),
    Rule("Unhandled fault", .dos),
    Rule("Alignment trap", .dos),
    Rule("Oops", .dos),
    Rule("Reserved instruction in kernel code", .dos),
    Rule("Break instruction in kernel code", .dos),
    Rule("Trap instruction in kernel code", .dos),
    Rule("Kernel ade access", .dos),
    Rule("Kernel ale access", .dos),
    Rule("BUG: Object already free", .dos),
    Rule("BUG: ", [" overwritten in "], .dos),
    Rule("VFS: ", .dos),
    Rule("SYZFAIL", .syzFailure),
    Rule("SYZFATAL", .syzFailure),
  ]

  /// The type of a (normalized) title; `UNKNOWN` when no rule matches.
  public static func of(title: String) -> CrashType {
    for rule in rules where title.hasPrefix(rule.prefix) {
      if rule.contains.allSatisfy({ title.contains($0) }) { return rule.type }
    }
    return .unknown
  }
}
