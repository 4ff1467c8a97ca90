/// The other ways a crash log leaves a dying machine: pstore, netconsole, the serial
/// console (checklist items 23 to 25).
enum ChannelReadiness {
  static let pstoreBackendPath = "/sys/module/pstore/parameters/backend"
  static let pstoreDirectory = "/sys/fs/pstore"
  static let postNotifiersPath = "/sys/module/kernel/parameters/crash_kexec_post_notifiers"
  static let netconsoleDirectory = "/sys/kernel/config/netconsole"

  static func findings(_ state: SystemState) -> [Finding] {
    pstore(state) + netconsole(state) + serialConsole(state)
  }

  /// The pstore backend, nil when none is registered (`(null)` in older kernels).
  static func pstoreBackend(_ root: SystemRoot) -> String? {
    guard let value = root.value(pstoreBackendPath), !value.isEmpty, value != "(null)" else { return nil }
    return value
  }

  // pstore (fs/pstore/): a backend (ramoops, efi-pstore, erst) keeps the last kernel
  // log across the reboot, when kdump itself fails.
  static func pstore(_ state: SystemState) -> [Finding] {
    let backendReading = state.root.reading(pstoreBackendPath)
    guard let backend = pstoreBackend(state.root) else {
      return [
        Finding(
          check: "pstore.backend", item: 23, severity: .advice, summary: "no pstore backend is registered",
          reason: "without one, a crash that kdump misses leaves no log in the next boot",
          readings: [backendReading],
          fixes: [
            Fix(.command, "modprobe efi_pstore"),
            Fix(.kernelParameter, "ramoops.mem_address=ADDR ramoops.mem_size=0x100000"),
          ])
      ]
    }
    var findings = [
      Finding(
        check: "pstore.backend", item: 23, severity: nil, summary: "pstore backend \(backend)",
        readings: [backendReading])
    ]
    let records = state.root.list(pstoreDirectory).filter { !$0.hasPrefix(".") }
    if !records.isEmpty {
      findings.append(
        Finding(
          check: "pstore.records", item: 23, severity: .degraded,
          summary: "\(records.count) record(s) of earlier crashes fill \(pstoreDirectory)",
          reason:
            "backends are small (EFI variables hold tens of KiB): old records leave no room for the next crash",
          readings: [Reading(path: pstoreDirectory, value: records.prefix(6).joined(separator: " "))],
          fixes: [Fix(.command, "coroner pstore --to /var/lib/coroner/pstore")]))
    }
    let notifiers = state.root.reading(postNotifiersPath)
    if let value = notifiers.value, Want.number(value) != 1, KdumpReadiness.isLoaded(state.root) {
      findings.append(
        Finding(
          check: "pstore.post_notifiers", item: 23, severity: .degraded,
          summary: "kdump jumps to the capture kernel before pstore saves the log",
          reason: "panic() kexecs before kmsg_dump() unless crash_kexec_post_notifiers is set: a "
            + "capture that then fails leaves neither a dump nor a pstore record",
          readings: [notifiers],
          fixes: [
            Fix(.command, "echo Y > \(postNotifiersPath)"),
            Fix(.kernelParameter, "crash_kexec_post_notifiers"),
          ]))
    }
    return findings
  }

  // netconsole (drivers/net/netconsole.c, its configfs targets): the log leaves the
  // machine while it dies.
  static func netconsole(_ state: SystemState) -> [Finding] {
    let targets = state.root.list(netconsoleDirectory).filter {
      state.root.isDirectory("\(netconsoleDirectory)/\($0)")
    }
    let fromCommandLine = state.commandLineWords.filter { $0.hasPrefix("netconsole=") }
    guard !targets.isEmpty else {
      if let word = fromCommandLine.first {
        return [
          Finding(
            check: "netconsole.target", item: 24, severity: nil,
            summary: "netconsole is set on the command line",
            readings: [Reading(path: "/proc/cmdline", value: word)])
        ]
      }
      return [
        Finding(
          check: "netconsole.target", item: 24, severity: .advice, summary: "no netconsole target",
          reason: "netconsole sends the log as the machine dies, even when no dump or pstore record survives",
          readings: [Reading(path: netconsoleDirectory, value: nil)],
          fixes: [Fix(.kernelParameter, "netconsole=+r@/eth0,6666@COLLECTOR_IP/")])
      ]
    }
    var findings = targets.flatMap { netconsoleTarget(state, $0) }
    let printk = state.root.reading("/proc/sys/kernel/printk")
    if let level = printk.value.flatMap(Want.number), level <= 4 {
      findings.append(
        Finding(
          check: "netconsole.loglevel", item: 24, severity: .advice,
          summary: "console_loglevel is \(level): warnings and notices never reach netconsole",
          reason: "consoles print only messages more urgent than console_loglevel", readings: [printk],
          fixes: [Fix(.sysctl, "sysctl -w kernel.printk=\"7 4 1 7\""), Fix(.kernelParameter, "loglevel=7")]))
    }
    return findings
  }

  static func netconsoleTarget(_ state: SystemState, _ name: String) -> [Finding] {
    let base = "\(netconsoleDirectory)/\(name)"
    func read(_ attribute: String) -> Reading { state.root.reading("\(base)/\(attribute)") }
    let check = "netconsole.\(name)"
    let enabled = read("enabled")
    guard enabled.value == "1" else {
      return [
        Finding(
          check: check, item: 24, severity: .degraded, summary: "netconsole target \(name) is disabled",
          reason: "a disabled target sends nothing", readings: [enabled],
          fixes: [Fix(.command, "echo 1 > \(base)/enabled")])
      ]
    }
    var findings: [Finding] = []
    for (attribute, why) in [
      ("extended", "records without sequence numbers cannot be reassembled in order"),
      ("release", "the collector cannot tell which kernel sent a record"),
    ] where read(attribute).value != "1" {
      findings.append(
        Finding(
          check: "\(check).\(attribute)", item: 24, severity: .advice,
          summary: "netconsole target \(name) has \(attribute) off",
          reason: why, readings: [read(attribute)],
          fixes: [
            Fix(.command, "echo 0 > \(base)/enabled; echo 1 > \(base)/\(attribute); echo 1 > \(base)/enabled")
          ]))
    }
    if state.root.list("\(base)/userdata").filter({ state.root.isDirectory("\(base)/userdata/\($0)") })
      .isEmpty
    {
      findings.append(
        Finding(
          check: "\(check).userdata", item: 24, severity: .advice,
          summary: "netconsole target \(name) carries no host id",
          reason: "without a userdata key the collector knows the host only by its source address",
          readings: [Reading(path: "\(base)/userdata", value: "empty")],
          fixes: [
            Fix(.command, "mkdir \(base)/userdata/host && cat /etc/machine-id > \(base)/userdata/host/value")
          ]))
    }
    if let device = read("dev_name").value, !device.isEmpty {
      findings += egress(state, target: name, device: device)
    }
    let errors = read("transmit_errors")
    if let count = errors.value.flatMap(Int.init), count > 0 {
      findings.append(
        Finding(
          check: "\(check).transmit_errors", item: 24, severity: .advice,
          summary: "netconsole target \(name) dropped \(count) message(s)",
          reason: "the egress device refused them",
          readings: [errors]))
    }
    findings += remoteMAC(state, target: name, base: base)
    if findings.allSatisfy({ $0.passed }) {
      findings.append(
        Finding(
          check: check, item: 24, severity: nil, summary: "netconsole target \(name) is enabled",
          readings: [enabled]))
    }
    return findings
  }

  /// A target stops when its device goes down or joins a bond or bridge.
  static func egress(_ state: SystemState, target: String, device: String) -> [Finding] {
    let operstate = state.root.reading("/sys/class/net/\(device)/operstate")
    var findings: [Finding] = []
    if operstate.value != "up" {
      findings.append(
        Finding(
          check: "netconsole.\(target).device", item: 24, severity: .degraded,
          summary:
            "netconsole target \(target) sends through \(device), which is \(operstate.value ?? "absent")",
          reason: "netpoll sends only while the device is running", readings: [operstate],
          fixes: [Fix(.command, "ip link set \(device) up")]))
    }
    if state.root.exists("/sys/class/net/\(device)/master") {
      findings.append(
        Finding(
          check: "netconsole.\(target).enslaved", item: 24, severity: .degraded,
          summary: "netconsole target \(target) sends through \(device), which joined a bond or bridge",
          reason: "netconsole stops a target whose device joins a master device",
          readings: [Reading(path: "/sys/class/net/\(device)/master", value: "present")],
          fixes: [Fix(.command, "set dev_name of the target to the bond or bridge device")]))
    }
    return findings
  }

  /// The configured remote MAC against the neighbour table: a replaced gateway or switch
  /// silently blackholes netconsole, which cannot resolve addresses itself.
  static func remoteMAC(_ state: SystemState, target: String, base: String) -> [Finding] {
    let mac = state.root.reading("\(base)/remote_mac")
    guard let configured = mac.value?.lowercased(), configured != "ff:ff:ff:ff:ff:ff",
      let ip = state.root.value("\(base)/remote_ip"), let arp = state.root.text("/proc/net/arp")
    else { return [] }
    for line in arp.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: " ")
      guard fields.count >= 4, fields[0] == ip else { continue }
      let current = fields[3].lowercased()
      if current != configured && current != "00:00:00:00:00:00" {
        return [
          Finding(
            check: "netconsole.\(target).remote_mac", item: 24, severity: .degraded,
            summary: "netconsole target \(target) sends to \(configured), but \(ip) is now at \(current)",
            reason:
              "netconsole uses its configured MAC; after a gateway or switch change its packets go nowhere",
            readings: [mac, Reading(path: "/proc/net/arp", value: String(line))],
            fixes: [
              Fix(
                .command,
                "echo 0 > \(base)/enabled; echo \(current) > \(base)/remote_mac; echo 1 > \(base)/enabled")
            ])
        ]
      }
    }
    return []
  }

  // A serial console (Documentation/admin-guide/serial-console.rst): the panic reaches
  // a console server when nothing else does.
  static func serialConsole(_ state: SystemState) -> [Finding] {
    let consoles = state.commandLineWords.filter { $0.hasPrefix("console=") }
    let serial = consoles.first { word in
      ["ttyS", "ttyAMA", "hvc", "ttysclp", "ttyPS", "ttymxc"].contains { word.dropFirst(8).hasPrefix($0) }
    }
    if let serial {
      return [
        Finding(
          check: "console.serial", item: 25, severity: nil,
          summary: "the kernel logs to \(serial.dropFirst(8))",
          readings: [Reading(path: "/proc/cmdline", value: serial)])
      ]
    }
    return [
      Finding(
        check: "console.serial", item: 25, severity: .advice,
        summary: "no serial console on the command line",
        reason: "a serial console read by the BMC or hypervisor shows early-boot and capture-kernel crashes",
        readings: [
          Reading(
            path: "/proc/cmdline", value: consoles.isEmpty ? "no console=" : consoles.joined(separator: " "))
        ],
        fixes: [Fix(.kernelParameter, "console=ttyS0,115200 console=tty0")])
    ]
  }
}
