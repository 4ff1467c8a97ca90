/// The scenarios of the crash lab. Markers are the lines the kernel prints
/// (kernel/panic.c, kernel/watchdog.c, kernel/hung_task.c, kernel/rcu/tree_stall.h,
/// arch/x86/mm/fault.c, lib/bug.c).
public enum ScenarioCatalogue {
  public static let all: [Scenario] = [
    Scenario(
      name: "panic", summary: "sysrq c: panic(\"sysrq triggered crash\")", kind: .panic,
      marker: "Kernel panic - not syncing: sysrq triggered crash", guiltyFunction: "sysrq_handle_crash",
      trigger: .sysrq("c"), sysctls: [], kernelParameters: [], kdumpParameters: [],
      needsHardLockupDetector: false,
      detectionSeconds: 30),
    Scenario(
      name: "oops", summary: "NULL pointer dereference in a module, panic_on_oops", kind: .oops,
      marker: "BUG: kernel NULL pointer dereference", guiltyFunction: "det_oops_fn",
      trigger: .module("det_oops"), sysctls: [("kernel.panic_on_oops", "1")], kernelParameters: [],
      kdumpParameters: [], needsHardLockupDetector: false, detectionSeconds: 30),
    Scenario(
      name: "bug", summary: "BUG() in a module, panic_on_oops", kind: .bug,
      marker: "kernel BUG at", guiltyFunction: "det_bug_fn",
      trigger: .module("det_bug"), sysctls: [("kernel.panic_on_oops", "1")], kernelParameters: [],
      kdumpParameters: [], needsHardLockupDetector: false, detectionSeconds: 30),
    Scenario(
      name: "warn", summary: "WARN() in a module, panic_on_warn", kind: .warning,
      marker: "WARNING: CPU:", guiltyFunction: "det_warn_fn",
      trigger: .module("det_warn"), sysctls: [("kernel.panic_on_warn", "1")], kernelParameters: [],
      kdumpParameters: [], needsHardLockupDetector: false, detectionSeconds: 30),
    Scenario(
      name: "softlockup", summary: "a kernel thread spins with preemption off, softlockup_panic",
      kind: .softLockup, marker: "BUG: soft lockup", guiltyFunction: "det_spin_fn",
      trigger: .module("det_spin"),
      sysctls: [("kernel.softlockup_panic", "1"), ("kernel.watchdog_thresh", "1")], kernelParameters: [],
      kdumpParameters: [], needsHardLockupDetector: false, detectionSeconds: 60),
    Scenario(
      name: "hung-task", summary: "a kernel thread sleeps in D state, hung_task_panic", kind: .hungTask,
      marker: "blocked for more than", guiltyFunction: "det_hung_fn",
      trigger: .module("det_hung"),
      sysctls: [("kernel.hung_task_panic", "1"), ("kernel.hung_task_timeout_secs", "2")],
      kernelParameters: [], kdumpParameters: [], needsHardLockupDetector: false, detectionSeconds: 60),
    Scenario(
      name: "deadlock", summary: "two kernel threads take two mutexes in opposite order, hung_task_panic",
      kind: .hungTask, marker: "blocked for more than", guiltyFunction: "det_deadlock_fn",
      trigger: .module("det_deadlock"),
      sysctls: [("kernel.hung_task_panic", "1"), ("kernel.hung_task_timeout_secs", "2")],
      kernelParameters: [], kdumpParameters: [], needsHardLockupDetector: false, detectionSeconds: 60),
    Scenario(
      name: "rcu-stall", summary: "a kernel thread holds rcu_read_lock with preemption off",
      kind: .rcuStall, marker: "detected stall", guiltyFunction: "det_rcu_stall_fn",
      trigger: .module("det_rcu"), sysctls: [],
      // panic_on_rcu_stall has no boot parameter of its own: sysctl.* sets it at boot.
      kernelParameters: ["sysctl.kernel.panic_on_rcu_stall=1", "rcupdate.rcu_cpu_stall_timeout=3"],
      kdumpParameters: [], needsHardLockupDetector: false, detectionSeconds: 60),
    Scenario(
      name: "hardlockup", summary: "a kernel thread spins with interrupts off, hardlockup_panic",
      kind: .hardLockup, marker: "Watchdog detected hard LOCKUP", guiltyFunction: "det_hard_spin_fn",
      trigger: .module("det_hard"),
      sysctls: [("kernel.hardlockup_panic", "1"), ("kernel.watchdog_thresh", "1")],
      kernelParameters: ["nmi_watchdog=1"], kdumpParameters: [], needsHardLockupDetector: true,
      detectionSeconds: 60),
    Scenario(
      name: "panic-notifier", summary: "a module's panic notifier prints its own line, then it panics",
      kind: .panic, marker: "coroner: det_notifier_fn saw the panic", guiltyFunction: "det_panic_fn",
      trigger: .module("det_notifier"), sysctls: [], kernelParameters: [],
      // Without it, panic() jumps to the capture kernel before calling the notifiers.
      kdumpParameters: ["crash_kexec_post_notifiers"], needsHardLockupDetector: false, detectionSeconds: 30),
  ]

  public static var names: [String] { all.map(\.name) }

  public static func named(_ name: String) throws -> Scenario {
    guard let scenario = all.first(where: { $0.name == name }) else {
      throw LabError.unknownName(kind: "scenario", name: name, known: names)
    }
    return scenario
  }
}
