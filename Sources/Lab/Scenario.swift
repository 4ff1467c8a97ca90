/// The kind of death a scenario causes (not to be confused with KernelLog's table of
/// crash formats): what the report parser should name it.
public enum ScenarioCrash: String, Codable, Sendable, CaseIterable {
  case panic
  case oops = "null-deref"
  case bug
  case warning
  case softLockup = "soft-lockup"
  case hungTask = "hung-task"
  case rcuStall = "rcu-stall"
  case hardLockup = "hard-lockup"

  /// The crash type (syzkaller's names, as Coroner's report parser gives them) that a
  /// report of this kind carries: what a lab test expects the parser to say.
  public var reportType: String {
    switch self {
    case .panic: return "DoS"
    case .oops: return "NULL-POINTER-DEREFERENCE"
    case .bug: return "BUG"
    case .warning: return "WARNING"
    case .softLockup, .hungTask, .rcuStall, .hardLockup: return "HANG"
    }
  }
}

/// How a scenario sets off its crash inside the guest.
public enum Trigger: Sendable, Equatable {
  /// Writes the key to /proc/sysrq-trigger (drivers/tty/sysrq.c); needs no module.
  case sysrq(Character)
  /// Loads a detonator module from Sources/Lab/Detonators (its name without `.ko`).
  case module(String)
}

/// One crash the lab can cause: how to arm the kernel's detectors, how to detonate, and
/// what the console must show.
public struct Scenario: Sendable {
  public var name: String
  public var summary: String
  public var kind: ScenarioCrash
  /// A line fragment the console shows when the crash has been detected.
  public var marker: String
  /// The detonator function the report parser should name as the guilty frame, if any.
  public var guiltyFunction: String?
  public var trigger: Trigger
  /// Sysctls /init writes before detonating (`kernel.panic_on_oops` -> /proc/sys/kernel/...).
  public var sysctls: [(key: String, value: String)]
  /// Extra kernel command-line parameters (detectors that have no sysctl knob at boot).
  public var kernelParameters: [String]
  /// Parameters needed only when kdump is armed.
  public var kdumpParameters: [String]
  /// Hard lockups are seen only by the hard-lockup detector: the buddy detector, or the
  /// NMI watchdog, which needs a performance counter.
  public var needsHardLockupDetector: Bool
  /// How long the detector may take after detonation, in guest-visible seconds.
  public var detectionSeconds: Double

  /// Why the scenario cannot run on `kernel` under `accelerator` with `cpus` CPUs, or nil
  /// when it can.
  public func refusal(kernel: KernelTree, accelerator: Accelerator, cpus: Int = 2) -> String? {
    if needsHardLockupDetector, let reason = Self.hardLockupRefusal(kernel, accelerator, cpus) {
      return reason
    }
    if case .module = trigger, !kernel.canBuildModules {
      return kernel.noModulesReason ?? "no build tree to build the detonator module against"
    }
    return nil
  }

  /// The buddy detector runs anywhere with a second CPU to watch the locked one
  /// (kernel/watchdog_buddy.c); the perf one needs a PMU, which TCG lacks.
  static func hardLockupRefusal(_ kernel: KernelTree, _ accelerator: Accelerator, _ cpus: Int) -> String? {
    switch kernel.hardLockupDetector {
    case .buddy:
      return cpus < 2
        ? "the buddy hard-lockup detector watches each CPU from another: boot 2 CPUs or more" : nil
    case .perf, nil:
      guard accelerator == .tcg else { return nil }
      return "hard lockups need the NMI watchdog, which needs a PMU; QEMU TCG emulates none "
        + "(kernel \(DebianKernel.v6_12_buddy.rawValue) has the buddy detector, which needs none)"
    }
  }

  /// The detonator module this scenario loads, if any.
  public var module: String? {
    if case .module(let name) = trigger { return name }
    return nil
  }
}
