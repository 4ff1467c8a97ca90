/// The facts about a machine that several readiness checks share, read once from a root.
/// Everything is the effective state (procfs, sysfs), not configuration files.
public struct SystemState: Sendable {
  public var root: SystemRoot
  /// `uname -r`.
  public var release: Reading
  public var commandLine: Reading
  /// MemTotal of /proc/meminfo, in bytes.
  public var memTotal: UInt64?
  public var ioMem: IoMem?
  public var kernelConfig: (config: KernelConfig, path: String)?
  /// Where dumps are written; kdump-tools and kdump-utils both default to /var/crash.
  public var dumpDirectory: String

  public init(root: SystemRoot, dumpDirectory: String = "/var/crash") {
    self.root = root
    self.dumpDirectory = dumpDirectory
    release = root.reading("/proc/sys/kernel/osrelease")
    commandLine = root.reading("/proc/cmdline")
    memTotal = root.text("/proc/meminfo").flatMap(Self.memTotal(meminfo:))
    ioMem = root.text("/proc/iomem").map(IoMem.init(parsing:))
    kernelConfig = KernelConfig.load(from: root, release: release.value)
  }

  /// The RAM size `crashkernel=` ranges are matched against: System RAM of /proc/iomem
  /// when visible (close to memblock_phys_mem_size()), else MemTotal, which is smaller by
  /// what the kernel keeps for itself.
  public var systemRAM: (bytes: UInt64, source: String)? {
    if let bytes = ioMem?.systemRAM { return (bytes, "/proc/iomem System RAM") }
    if let memTotal { return (memTotal, "/proc/meminfo MemTotal") }
    return nil
  }

  /// The words of the kernel command line.
  public var commandLineWords: [String] {
    (commandLine.value ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(
      String.init)
  }

  static func memTotal(meminfo: String) -> UInt64? {
    for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
      let fields = line.split(separator: " ")
      if fields.count >= 2, let kilobytes = UInt64(fields[1]) { return kilobytes * 1024 }
    }
    return nil
  }
}

/// Sizes for people: 256 MiB, 1.5 GiB.
public func formatBytes(_ bytes: UInt64) -> String {
  let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"]
  var value = Double(bytes)
  var unit = 0
  while value >= 1024 && unit < units.count - 1 {
    value /= 1024
    unit += 1
  }
  if unit == 0 { return "\(bytes) bytes" }
  let rounded = (value * 10).rounded() / 10
  return rounded == rounded.rounded()
    ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
}
