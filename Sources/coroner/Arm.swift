import ArgumentParser
import Capture
import Glibc

/// `coroner arm`: set the panic policy and load the capture kernel.
struct Arm: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Set the panic policy and load the capture kernel.",
    discussion: """
      Writes the profile's panic and detector settings to /proc/sys and /sys/module \
      (printing each with why), then loads the capture kernel with kexec_file_load(2) and \
      a capture command line derived from the running one (irqpoll nr_cpus=1 \
      reset_devices, no crashkernel=). Undo the load with `coroner disarm`.
      """)

  enum Profile: String, ExpressibleByArgument, CaseIterable {
    case production, lab, custom
  }

  @Option(help: "production (hangs and oopses panic), lab (warnings too) or custom (only --set).")
  var profile: Profile = .production

  @Option(name: .customLong("set"), help: "Also set a knob, e.g. kernel.panic_on_warn=1 (repeatable).")
  var settings: [String] = []

  @Option(help: "The capture kernel (default: /boot/vmlinuz-$(uname -r)).")
  var kernel: String?

  @Option(help: "The capture initramfs (default: the running kernel's, when --kernel is not given).")
  var initrd: String?

  @Option(help: "Words to add to the capture command line (repeatable).")
  var append: [String] = []

  @Flag(name: .customLong("policy-only"), help: "Set the policy; load no capture kernel.")
  var policyOnly = false

  @Flag(name: .customLong("dry-run"), help: "Print what would be done and do nothing.")
  var dryRun = false

  @Option(help: "Act on a captured tree instead of / (policy writes only).")
  var root: String = "/"

  func validate() throws {
    if root != "/" && !dryRun && !policyOnly {
      throw ValidationError("--root acts on files only: use it with --dry-run or --policy-only")
    }
    if profile == .custom && settings.isEmpty {
      throw ValidationError("--profile custom sets only what --set names; give at least one --set")
    }
  }

  func run() throws {
    var parsed: [String: String] = [:]
    for setting in settings {
      let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2 else { throw ValidationError("--set \(setting): expected NAME=VALUE") }
      parsed[parts[0]] = parts[1]
    }
    let request = ArmPlan.Request(
      profile: PanicProfile(rawValue: profile.rawValue), settings: parsed, kernel: kernel, initrd: initrd,
      append: append, loadKernel: !policyOnly)
    let systemRoot = SystemRoot(root)
    let plan: ArmPlan
    do {
      plan = try ArmPlan(request, state: SystemState(root: systemRoot))
    } catch {
      CaptureTerminal.error("error: \(error)")
      throw ExitCode(66)
    }
    print(ArmText.render(plan, dryRun: dryRun), terminator: "")
    guard !dryRun else { return }
    do {
      for refused in try Arming(root: systemRoot).apply(plan) {
        CaptureTerminal.error("warning: \(refused)")
      }
    } catch {
      CaptureTerminal.error("error: \(error)")
      throw ExitCode(74)
    }
    print(plan.load == nil ? "policy set" : "armed: a panic now boots the capture kernel")
  }
}

enum ArmText {
  static func render(_ plan: ArmPlan, dryRun: Bool) -> String {
    let verb = dryRun ? "would set" : "set"
    var out = ""
    if plan.writes.isEmpty { out += "the panic policy is already as wanted\n" }
    for write in plan.writes {
      out += "\(verb) \(write.name): \(write.from) -> \(write.to)  (\(write.path))\n"
      out += "   = why: \(write.reason)\n"
    }
    if !plan.absent.isEmpty {
      out += "note: this kernel has no \(plan.absent.joined(separator: ", ")); left alone\n"
    }
    if let load = plan.load {
      out += "\(dryRun ? "would load" : "load") \(load.kernel) as the crash kernel\n"
      out += "   initramfs: \(load.initrd ?? "none (KEXEC_FILE_NO_INITRAMFS)")\n"
      out += "   command line: \(load.commandLine)\n"
      let flags = load.initrd == nil ? "KEXEC_FILE_ON_CRASH|KEXEC_FILE_NO_INITRAMFS" : "KEXEC_FILE_ON_CRASH"
      out += "   kexec_file_load(kernel_fd, \(load.initrd == nil ? "-1" : "initrd_fd"), "
      out += "\(load.commandLine.utf8.count + 1), cmdline, \(flags))\n"
      out += "   then record it in \(ArmRecord.path)\n"
    }
    return out
  }
}

/// Standard error for the capture commands (doctor, arm, disarm, pstore).
enum CaptureTerminal {
  static func error(_ line: String) {
    fputs(line + "\n", stderr)
  }
}
