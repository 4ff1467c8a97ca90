/// The panic and detector policy as data: every knob that decides whether a hang, an oops
/// or an NMI becomes a panic (and so a dump), with what each profile wants and why.
/// Values and meanings: docs/fleet-netconsole-readiness.md section 4,
/// Documentation/admin-guide/sysctl/kernel.rst, kernel/watchdog.c, kernel/hung_task.c.
public enum PanicPolicy {
  public static let knobs: [PanicKnob] = [
    PanicKnob(
      "kernel.panic_on_oops", item: 14, severity: .degraded, production: .equal(1), lab: .equal(1),
      boot: "oops=panic",
      reason: "an oops kills only the current task and leaves a damaged kernel running; with 1 it "
        + "panics and the capture kernel saves the scene"),
    PanicKnob(
      "kernel.watchdog", item: 15, severity: .degraded, production: .equal(1), lab: .equal(1),
      reason: "the soft and hard lockup detectors are off: a CPU stuck in the kernel is never reported"),
    PanicKnob(
      "kernel.soft_watchdog", item: 15, severity: .degraded, production: .equal(1), lab: .equal(1),
      reason: "the soft lockup detector is off: a CPU looping in the kernel with interrupts on goes unseen"),
    PanicKnob(
      "kernel.nmi_watchdog", item: 15, severity: .degraded, production: .equal(1), lab: .equal(1),
      boot: "nmi_watchdog=VALUE",
      reason: "the hard lockup detector is off (the default in KVM guests): a CPU stuck with "
        + "interrupts off hangs the machine silently"),
    PanicKnob(
      "kernel.watchdog_thresh", item: 15, severity: .degraded, production: .atLeast(1, write: 10),
      lab: .atLeast(1, write: 10), boot: "watchdog_thresh=VALUE",
      reason: "a threshold of 0 turns both lockup detectors off"),
    PanicKnob(
      "kernel.softlockup_panic", item: 15, severity: .degraded, production: .equal(1), lab: .equal(1),
      boot: "softlockup_panic=VALUE",
      reason: "a soft lockup only prints a warning and the machine limps on; no dump is taken"),
    PanicKnob(
      "kernel.hardlockup_panic", item: 15, severity: .degraded, production: .equal(1), lab: .equal(1),
      boot: "nmi_watchdog=panic",
      reason: "a hard lockup only prints a warning from NMI context; no dump is taken"),
    PanicKnob(
      "kernel.hung_task_timeout_secs", item: 16, severity: .degraded, production: .atLeast(1, write: 120),
      lab: .atLeast(1, write: 120),
      reason: "0 turns the hung task detector off: tasks stuck in D state are never reported"),
    PanicKnob(
      "kernel.hung_task_panic", item: 16, severity: .degraded, production: .atLeast(1, write: 1),
      lab: .atLeast(1, write: 1), boot: "hung_task_panic=VALUE",
      reason: "a hung task only prints a report; the machine stays wedged and no dump is taken"),
    PanicKnob(
      "kernel.hung_task_warnings", item: 16, severity: .advice, production: .equal(-1), lab: .equal(-1),
      reason: "the detector reports only this many hung tasks per boot (default 10), then falls silent"),
    PanicKnob(
      "kernel.panic_on_rcu_stall", item: 17, severity: .degraded, production: .equal(1), lab: .equal(1),
      reason: "an RCU CPU stall only prints a report; the stalled machine is not dumped"),
    PanicKnob(
      "kernel.max_rcu_stall_to_panic", item: 17, severity: .advice, production: .atLeast(1, write: 1),
      lab: .atLeast(1, write: 1),
      reason: "how many RCU stall reports come before the panic; 0 never panics on some kernels"),
    PanicKnob(
      "rcupdate.rcu_cpu_stall_suppress", item: 17, severity: .degraded, production: .equal(0),
      lab: .equal(0),
      reason: "RCU CPU stall warnings are suppressed: stalls are neither reported nor panicked on"),
    PanicKnob(
      "rcupdate.rcu_cpu_stall_timeout", item: 17, severity: .advice, production: .atLeast(1, write: 60),
      lab: .atLeast(1, write: 21),
      reason: "the seconds a CPU may hold up a grace period before a stall is reported"),
    PanicKnob(
      "workqueue.watchdog_thresh", item: 18, severity: .advice, production: .atLeast(1, write: 30),
      lab: .atLeast(1, write: 30),
      reason: "0 turns the workqueue watchdog off: a pool stuck for minutes is never reported"),
    PanicKnob(
      "workqueue.panic_on_stall", item: 18, severity: .advice, production: .atLeast(1, write: 1),
      lab: .atLeast(1, write: 1),
      reason: "a workqueue lockup only prints a report (panic_on_stall exists from 6.12)"),
    PanicKnob(
      "kernel.unknown_nmi_panic", item: 19, severity: .advice, production: .equal(1), lab: .equal(1),
      boot: "unknown_nmi_panic",
      reason: "an NMI injected by the BMC or hypervisor ('inject NMI') then panics a hung host into a dump"),
    PanicKnob(
      "kernel.panic_on_io_nmi", item: 19, severity: .advice, production: .equal(1), lab: nil,
      reason: "the IO-check NMI of a server's dump button then panics into a dump"),
    PanicKnob(
      "kernel.panic_on_unrecovered_nmi", item: 19, severity: .advice, production: .equal(1), lab: nil,
      reason: "an uncorrected memory error NMI then stops the machine with a dump instead of "
        + "running on with corrupt memory"),
    PanicKnob(
      "kernel.panic_on_warn", item: 20, severity: .advice, production: nil, lab: .equal(1),
      boot: "panic_on_warn=VALUE",
      reason: "in a lab every WARN() is a bug worth a dump; in production it would be too noisy"),
    PanicKnob(
      "kernel.panic", item: 20, severity: .advice, production: .notEqual(0, write: 10), lab: nil,
      boot: "panic=VALUE",
      reason: "if the capture kernel is missing or dies, panic=0 leaves the host hung forever "
        + "instead of rebooting"),
    PanicKnob(
      "kernel.softlockup_all_cpu_backtrace", item: 21, severity: .advice, production: .equal(1),
      lab: .equal(1),
      reason: "the backtraces of every CPU show who holds what the stuck CPU waits for"),
    PanicKnob(
      "kernel.hung_task_all_cpu_backtrace", item: 21, severity: .advice, production: nil, lab: .equal(1),
      reason: "the backtraces of every CPU when a task hangs (syzbot sets it)"),
    PanicKnob(
      "kernel.sysrq", item: 22, severity: .advice, production: .hasBits(8), lab: .equal(1),
      boot: "sysrq_always_enabled",
      reason: "without bit 8 a keyboard or serial SysRq-c cannot crash a hung host into a dump "
        + "(/proc/sysrq-trigger works regardless)"),
  ]

  /// The knob of that name.
  public static func knob(named name: String) -> PanicKnob? {
    knobs.first { $0.name == name }
  }
}
