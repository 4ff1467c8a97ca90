/// The one-letter task state ps(1), /proc/PID/stat and crash print, computed as the
/// kernel's `__task_state_index()` (include/linux/sched.h) does: the state and
/// exit_state bits within TASK_REPORT, TASK_IDLE shown as `I`, an rtlock waiter as `D`,
/// then the highest bit's position indexes "RSDTtXZPI" (fs/proc/array.c).
public enum TaskState {
  static let letters: [Character] = ["R", "S", "D", "T", "t", "X", "Z", "P", "I"]
  /// TASK_RUNNING ... TASK_PARKED (0x01 ... 0x40).
  static let report: UInt64 = 0x7f
  static let uninterruptible: UInt64 = 0x2
  /// TASK_NOLOAD, 0x400 from 4.14 to 6.12.
  static let noLoad: UInt64 = 0x400
  /// TASK_RTLOCK_WAIT (5.15+); unused bit before.
  static let rtlockWait: UInt64 = 0x1000

  public static func letter(state: UInt64, exitState: UInt64) -> Character {
    var bits = (state | exitState) & report
    if state & (uninterruptible | noLoad) == uninterruptible | noLoad { bits = report + 1 }
    if state & rtlockWait != 0 { bits = uninterruptible }
    let index = bits == 0 ? 0 : 64 - bits.leadingZeroBitCount
    return letters[min(index, letters.count - 1)]
  }
}
