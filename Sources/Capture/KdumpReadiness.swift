/// Readiness checks of the kdump path itself: a kernel that can kdump, a reservation, a
/// loaded capture kernel (checklist items 1 to 10).
/// Sources: kernel/kexec_core.c, kernel/crash_reserve.c, kernel/ksysfs.c,
/// Documentation/admin-guide/kdump/kdump.rst.
enum KdumpReadiness {
  static let loadedPath = "/sys/kernel/kexec_crash_loaded"
  static let sizePath = "/sys/kernel/kexec_crash_size"
  static let fadumpRegisteredPath = "/sys/kernel/fadump/registered"

  static func findings(_ state: SystemState) -> [Finding] {
    var findings = [kernelSupport(state)]
    findings += kernelConfig(state)
    findings += reservation(state)
    findings.append(loaded(state))
    findings += loadLock(state)
    findings += ArmRecordReadiness.findings(state)
    findings += lockdown(state)
    return findings
  }

  /// Whether a capture kernel is loaded (kdump) or firmware-assisted dump is registered.
  static func isLoaded(_ root: SystemRoot) -> Bool {
    root.value(loadedPath) == "1" || root.value(fadumpRegisteredPath) == "1"
  }

  // /sys/kernel/kexec_crash_loaded exists only in a kernel that can load a capture
  // kernel (kernel/ksysfs.c).
  static func kernelSupport(_ state: SystemState) -> Finding {
    let reading = state.root.reading(loadedPath)
    guard reading.value != nil else {
      return Finding(
        check: "kernel.kdump", item: 1, severity: .impossible,
        summary: "this kernel cannot load a capture kernel",
        reason: "\(loadedPath) is absent: the kernel was built without CONFIG_KEXEC_CORE/CRASH_DUMP",
        readings: [reading, state.release],
        fixes: [Fix(.kernelConfig, "CONFIG_CRASH_DUMP=y"), Fix(.kernelConfig, "CONFIG_KEXEC_FILE=y")])
    }
    return Finding(
      check: "kernel.kdump", item: 1, severity: nil, summary: "the kernel supports kdump", readings: [reading]
    )
  }

  /// Build options the capture path and its detectors need, with how bad their absence is.
  static let configOptions: [(name: String, severity: Severity, reason: String)] = [
    ("CRASH_DUMP", .impossible, "the kernel cannot reserve memory for, or jump to, a capture kernel"),
    ("PROC_VMCORE", .impossible, "a capture kernel built from this config has no /proc/vmcore to save"),
    (
      "KEXEC_FILE", .degraded,
      "no kexec_file_load(2): `coroner arm` cannot load, and lockdown forbids the old call"
    ),
    (
      "RELOCATABLE", .degraded,
      "the same kernel image cannot run from the reserved region as the capture kernel"
    ),
    ("DETECT_HUNG_TASK", .degraded, "tasks stuck in D state are never reported"),
    ("SOFTLOCKUP_DETECTOR", .degraded, "CPUs looping in the kernel are never reported"),
    ("HARDLOCKUP_DETECTOR", .degraded, "CPUs stuck with interrupts off hang the machine silently"),
    ("MAGIC_SYSRQ", .advice, "no SysRq: an operator cannot crash a hung host into a dump"),
    ("WQ_WATCHDOG", .advice, "stuck workqueue pools are never reported"),
    ("PSTORE", .advice, "no pstore: no log survives a crash that kdump misses"),
    ("NETCONSOLE", .advice, "no netconsole: the log cannot leave the machine as it dies"),
    ("NETCONSOLE_DYNAMIC", .advice, "netconsole targets cannot be inspected or changed at run time"),
    ("PRINTK_CALLER", .advice, "log lines do not say which task or CPU printed them"),
  ]

  // The options a capture needs, from /proc/config.gz or /boot/config-RELEASE.
  static func kernelConfig(_ state: SystemState) -> [Finding] {
    guard let (config, path) = state.kernelConfig else {
      let release = state.release.value ?? "RELEASE"
      return [
        Finding(
          check: "kernel.config", item: 2, severity: .advice,
          summary: "the kernel's build configuration is not readable",
          reason:
            "neither /boot/config-\(release) nor /proc/config.gz exists; the build options were not checked",
          readings: [
            Reading(path: "/boot/config-\(release)", value: nil),
            Reading(path: "/proc/config.gz", value: nil),
          ],
          fixes: [Fix(.command, "modprobe configs")])
      ]
    }
    let missing = configOptions.filter { !config.isEnabled($0.name) }
    guard !missing.isEmpty else {
      return [
        Finding(
          check: "kernel.config", item: 2, severity: nil,
          summary: "the kernel has every build option the capture path uses",
          readings: [Reading(path: path, value: "\(config.options.count) options")])
      ]
    }
    return missing.map { option in
      Finding(
        check: "kernel.config.\(option.name)", item: 2, severity: option.severity,
        summary: "the kernel was built without CONFIG_\(option.name)", reason: option.reason,
        readings: [
          Reading(path: path, value: "CONFIG_\(option.name)=\(config.options[option.name] ?? "(not set)")")
        ],
        fixes: [Fix(.kernelConfig, "CONFIG_\(option.name)=y")])
    }
  }

  /// The reservation a machine of this size should make: the x86_64 default of
  /// kdump-utils (`2G-64G:256M,64G-:512M`), and 256 MiB below 2 GiB where that table
  /// reserves nothing (the lab's 768 MiB guests capture with 256M).
  static func recommendedParameter(forSystemRAM ram: UInt64) -> String {
    ram < 2 << 30 ? "crashkernel=256M" : "crashkernel=2G-64G:256M,64G-:512M"
  }

  static func recommendedSize(forSystemRAM ram: UInt64) -> UInt64 {
    ram >= 64 << 30 ? 512 << 20 : 256 << 20
  }

  // crashkernel= (Documentation/admin-guide/kdump/kdump.rst): what the command line
  // asks for this much RAM, what was reserved, and whether that is enough.
  static func reservation(_ state: SystemState) -> [Finding] {
    let ram = state.systemRAM
    let ramText = ram.map { "\(formatBytes($0.bytes)) (\($0.source))" } ?? "unknown"
    let recommended = recommendedParameter(forSystemRAM: ram?.bytes ?? 0)
    let rebootFix = [Fix(.kernelParameter, recommended), Fix(.command, "reboot")]
    let values: [CrashKernelParameter]
    do {
      values = try CrashKernelParameter.all(inCommandLine: state.commandLine.value ?? "")
    } catch {
      return [
        Finding(
          check: "crashkernel.syntax", item: 3, severity: .impossible,
          summary: "the crashkernel= parameter does not parse", reason: "\(error)",
          readings: [state.commandLine], fixes: rebootFix)
      ]
    }
    let reservation = CrashKernelReservation(values)
    guard reservation.main != nil else {
      return [
        Finding(
          check: "crashkernel.parameter", item: 3, severity: .impossible,
          summary: "no memory is reserved for a capture kernel: the command line has no crashkernel=",
          reason: "without a reservation there is nowhere to load a capture kernel",
          readings: [state.commandLine], fixes: rebootFix)
      ]
    }
    var findings: [Finding] = []
    let asked = ram.map { reservation.mainSize(forSystemRAM: $0.bytes) }
    let text = values.map { "crashkernel=\($0.source)" }.joined(separator: " ")
    if asked == 0 {
      findings.append(
        Finding(
          check: "crashkernel.parameter", item: 3, severity: .impossible,
          summary: "\(text) reserves nothing on this machine's \(ramText) of RAM",
          reason: "no range of the expression contains this RAM size (ranges are start-end, end exclusive)",
          readings: [
            state.commandLine,
            Reading(
              path: ram.map { String($0.source.prefix { $0 != " " }) } ?? "/proc/meminfo", value: ramText),
          ], fixes: rebootFix))
    } else {
      let what =
        asked.map { "asks for \(formatBytes($0)) on \(ramText) of RAM" } ?? "parses (RAM size unknown)"
      findings.append(
        Finding(
          check: "crashkernel.parameter", item: 3, severity: nil, summary: "\(text) \(what)",
          readings: [state.commandLine]))
    }
    findings += reserved(state, asked: asked, fixes: rebootFix)
    return findings
  }

  // What the kernel really set aside: /sys/kernel/kexec_crash_size and the
  // `Crash kernel` ranges of /proc/iomem.
  static func reserved(_ state: SystemState, asked: UInt64?, fixes: [Fix]) -> [Finding] {
    let sizeReading = state.root.reading(sizePath)
    let regions = state.ioMem?.crashKernel ?? []
    let ioMemReading = Reading(
      path: "/proc/iomem",
      value: regions.isEmpty
        ? "no \"Crash kernel\" line"
        : regions.map { "\(hex($0.start))-\(hex($0.end)) : Crash kernel" }.joined(separator: "; "))
    guard let sizeText = sizeReading.value, let size = UInt64(sizeText) else {
      return []  // item 1 already says the kernel lacks kdump
    }
    guard size > 0 else {
      if asked == 0 { return [] }  // item 3 already explains why
      return [
        Finding(
          check: "crashkernel.reserved", item: 4, severity: .impossible,
          summary: "the crashkernel= reservation failed at boot: nothing is reserved",
          reason: "the kernel found no free block of the asked size (memory taken or fragmented, an "
            + "@offset already in use, or a high region without a low one); its boot log says why",
          readings: [sizeReading, ioMemReading],
          fixes: [Fix(.command, "dmesg | grep -i crashkernel")] + fixes)
      ]
    }
    var findings = [
      Finding(
        check: "crashkernel.reserved", item: 4, severity: nil,
        summary: "\(formatBytes(size)) is reserved for the capture kernel",
        readings: [sizeReading, ioMemReading])
    ]
    if let asked, asked > 0, size < asked {
      findings.append(
        Finding(
          check: "crashkernel.shrunk", item: 4, severity: .degraded,
          summary: "\(formatBytes(size)) is reserved but crashkernel= asks for \(formatBytes(asked))",
          reason: "the reservation was shrunk through \(sizePath) or made smaller at boot",
          readings: [sizeReading, state.commandLine], fixes: [Fix(.command, "reboot")]))
    }
    findings += adequacy(state, reserved: size, sizeReading: sizeReading)
    return findings
  }

  /// What the capture holds of its two page bitmaps (the RAM and the pages kept): one
  /// cycle's part of each at a time (`PageCycles`, by default 2 MiB each), whatever the
  /// machine's RAM. Held whole they would take 64 MiB per TiB, 1 GiB for 16 TiB.
  static let captureBitmapBytes = 2 * UInt64(PageCycles.defaultBufferBytes)

  // Like `kdumpctl estimate`: the image, three times the initramfs (packed, and
  // unpacked into a tmpfs), and 32 MiB to run, plus the capture's page bitmaps (one
  // cycle's, whatever the RAM); never less than the distribution default.
  static func adequacy(_ state: SystemState, reserved: UInt64, sizeReading: Reading) -> [Finding] {
    let ram = state.systemRAM?.bytes ?? 0
    let bitmaps = captureBitmapBytes
    var needed = max(recommendedSize(forSystemRAM: ram), (32 << 20) + bitmaps)
    var readings = [sizeReading]
    if let release = state.release.value, let image = state.root.fileSize("/boot/vmlinuz-\(release)") {
      let initrdPath = ["/boot/initrd.img-\(release)", "/boot/initramfs-\(release).img"].first {
        state.root.fileSize($0) != nil
      }
      let initrd = initrdPath.flatMap(state.root.fileSize) ?? 0
      needed = max(needed, image + 3 * initrd + (32 << 20) + bitmaps)
      readings.append(Reading(path: "/boot/vmlinuz-\(release)", value: formatBytes(image)))
      if let initrdPath { readings.append(Reading(path: initrdPath, value: formatBytes(initrd))) }
    }
    guard reserved < needed else { return [] }
    return [
      Finding(
        check: "crashkernel.size", item: 5, severity: .degraded,
        summary:
          "\(formatBytes(reserved)) is reserved; a capture kernel here needs about \(formatBytes(needed))",
        reason: "a capture kernel that runs out of memory dies before it saves anything",
        readings: readings,
        fixes: [Fix(.kernelParameter, "crashkernel=\(needed >> 20)M"), Fix(.command, "reboot")])
    ]
  }

  // Whether a capture kernel is loaded now (/sys/kernel/kexec_crash_loaded).
  static func loaded(_ state: SystemState) -> Finding {
    let reading = state.root.reading(loadedPath)
    if isLoaded(state.root) {
      return Finding(
        check: "capture.loaded", item: 6, severity: nil, summary: "a capture kernel is loaded",
        readings: [reading])
    }
    return Finding(
      check: "capture.loaded", item: 6, severity: .impossible,
      summary: "no capture kernel is loaded",
      reason: "on panic the kernel has nothing to jump to; it stops or reboots and the scene is lost",
      readings: [reading], fixes: [Fix(.command, "coroner arm")])
  }

  // One-way switches that forbid loading until reboot.
  static func loadLock(_ state: SystemState) -> [Finding] {
    guard !isLoaded(state.root) else { return [] }
    var findings: [Finding] = []
    let disabled = state.root.reading("/proc/sys/kernel/kexec_load_disabled")
    if disabled.value == "1" {
      findings.append(
        Finding(
          check: "kexec.load_disabled", item: 7, severity: .impossible,
          summary: "kexec loading is disabled until reboot and nothing is loaded",
          reason: "kernel.kexec_load_disabled is one-way: once 1, no capture kernel can be loaded this boot",
          readings: [disabled],
          fixes: [
            Fix(.command, "grep -r kexec_load_disabled /etc/sysctl.conf /etc/sysctl.d"),
            Fix(.command, "reboot, then `coroner arm` before anything sets kexec_load_disabled"),
          ]))
    }
    let limit = state.root.reading("/proc/sys/kernel/kexec_load_limit_panic")
    if limit.value == "0" {
      findings.append(
        Finding(
          check: "kexec.load_limit_panic", item: 7, severity: .impossible,
          summary: "no crash kernel loads are left this boot",
          reason: "kernel.kexec_load_limit_panic counts down and can only be lowered",
          readings: [limit], fixes: [Fix(.command, "reboot")]))
    }
    return findings
  }

  /// The UEFI `SecureBoot` variable: 4 bytes of attributes, then the value byte.
  static let secureBootPath = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

  // Under lockdown or Secure Boot only kexec_file_load with a signed image works.
  static func lockdown(_ state: SystemState) -> [Finding] {
    let reading = state.root.reading("/sys/kernel/security/lockdown")
    guard let value = reading.value, let mode = bracketed(value), mode != "none" else {
      guard let secureBoot = state.root.bytes(secureBootPath), secureBoot.count == 5, secureBoot[4] == 1
      else {
        return []
      }
      return [
        Finding(
          check: "kexec.secure_boot", item: 10, severity: .advice,
          summary: "Secure Boot is on: expect only a signed capture kernel to load",
          reason: "distribution kernels lock down under Secure Boot, and kexec_file_load(2), which "
            + "`coroner arm` uses, then checks the image's signature",
          readings: [Reading(path: secureBootPath, value: "1")],
          fixes: [Fix(.command, "coroner arm --kernel /boot/vmlinuz-$(uname -r)")])
      ]
    }
    return [
      Finding(
        check: "kexec.lockdown", item: 10, severity: .advice,
        summary: "the kernel is locked down (\(mode)): only a signed capture kernel loads",
        reason: "kexec_load(2) is refused; kexec_file_load(2), which `coroner arm` uses, checks the "
          + "image's signature against the kernel's keys",
        readings: [reading], fixes: [Fix(.command, "coroner arm --kernel /boot/vmlinuz-$(uname -r)")])
    ]
  }

  /// The selected word of a sysfs choice list: `none [integrity] confidentiality`.
  static func bracketed(_ text: String) -> String? {
    guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else {
      return nil
    }
    return String(text[text.index(after: open)..<close])
  }

  static func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
  }
}
