/// Panic messages whose tail changes from one machine or boot to the next: the
/// title keeps the stable part only, so one bug is one title. Each row is the
/// format string's fixed beginning in the kernel source it names.
struct PanicMessage: Sendable {
  /// The words the title keeps: the format string up to its first variable part.
  let stable: String
  /// Where the kernel prints it.
  let source: String

  init(_ stable: String, _ source: String) {
    self.stable = stable
    self.source = source
  }
}

enum PanicMessages {
  static let rows = [
    // `panic("VFS: Unable to mount root fs on %s", b)` and, since 6.x,
    // `panic("VFS: Unable to mount root fs on \"%s\" or %s", ...)`: the device varies.
    PanicMessage("VFS: Unable to mount root fs", "init/do_mounts.c mount_root_generic()"),
    // `panic("Requested init %s failed (error %d).", ...)`: the path and errno vary.
    PanicMessage("Requested init", "init/main.c kernel_init()"),
    // `panic("No working init found.  Try passing init= option to kernel. See ...")`.
    PanicMessage("No working init found.", "init/main.c kernel_init()"),
    // `panic("Attempted to kill init! exitcode=0x%08x\n", ...)`.
    PanicMessage("Attempted to kill init!", "kernel/exit.c do_exit()"),
    // `panic("Watchdog detected hard LOCKUP on cpu %u", cpu)`.
    PanicMessage("Watchdog detected hard LOCKUP", "kernel/watchdog.c watchdog_hardlockup_check()"),
    // `panic("System is deadlocked on memory\n")`.
    PanicMessage("System is deadlocked on memory", "mm/oom_kill.c out_of_memory()"),
    // `panic("Out of memory and no killable processes...\n")`.
    PanicMessage("Out of memory and no killable processes", "mm/oom_kill.c out_of_memory()"),
    // `panic("Fatal exception in interrupt")` after an oops (arch/*/kernel/traps.c
    // `oops_end()`/`die()`): syzkaller titles it as the plain `Fatal exception`.
    PanicMessage("Fatal exception", "arch/x86/kernel/dumpstack.c oops_end()"),
    // `panic("Aiee, killing interrupt handler!")`.
    PanicMessage("Aiee, killing interrupt handler!", "kernel/exit.c do_exit()"),
    // `mce_panic("Fatal machine check", ...)` and its variants with the bank's message.
    PanicMessage("Fatal machine check", "arch/x86/kernel/cpu/mce/core.c mce_panic()"),
    // `panic("Timeout: Not all CPUs entered broadcast exception handler")`.
    PanicMessage(
      "Timeout: Not all CPUs entered broadcast exception handler", "arch/x86/kernel/cpu/mce/core.c"),
  ]

  /// The title's part of a panic message: the row's stable beginning when one
  /// matches, else the message itself.
  static func stablePart(of message: String) -> String {
    for row in rows where message.hasPrefix(row.stable) { return row.stable }
    return message
  }
}
