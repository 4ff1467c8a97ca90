/// What `coroner arm` loaded, kept beside the loaded image because the kernel does not
/// say: kexec_crash_loaded is one bit. Like kdump-tools' `/var/crash/kexec_cmd`, it lets
/// `doctor` check the loaded command line and notice a capture kernel replaced on disk.
/// One `key=value` a line.
public struct ArmRecord: Sendable, Equatable {
  public static let path = "/var/lib/coroner/capture-kernel"
  public static let bootIDPath = "/proc/sys/kernel/random/boot_id"

  public var kernel: String
  public var initrd: String?
  public var commandLine: String
  public var kernelSize: UInt64?
  public var kernelModified: Int?
  /// The boot the load belongs to: a record from an earlier boot says nothing now.
  public var bootID: String?

  public init(
    kernel: String, initrd: String?, commandLine: String, kernelSize: UInt64?, kernelModified: Int?,
    bootID: String?
  ) {
    self.kernel = kernel
    self.initrd = initrd
    self.commandLine = commandLine
    self.kernelSize = kernelSize
    self.kernelModified = kernelModified
    self.bootID = bootID
  }

  public init?(parsing text: String) {
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    guard let kernel = fields["kernel"], let commandLine = fields["cmdline"] else { return nil }
    self.init(
      kernel: kernel, initrd: fields["initrd"], commandLine: commandLine,
      kernelSize: fields["kernel_size"].flatMap { UInt64($0) },
      kernelModified: fields["kernel_mtime"].flatMap { Int($0) }, bootID: fields["boot_id"])
  }

  public var text: String {
    var lines = ["kernel=\(kernel)"]
    if let initrd { lines.append("initrd=\(initrd)") }
    lines.append("cmdline=\(commandLine)")
    if let kernelSize { lines.append("kernel_size=\(kernelSize)") }
    if let kernelModified { lines.append("kernel_mtime=\(kernelModified)") }
    if let bootID { lines.append("boot_id=\(bootID)") }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// Checklist items 8 (the loaded image is stale) and 9 (the loaded command line).
enum ArmRecordReadiness {
  /// kdump-tools keeps the command it loaded with here (debian/kdump-config.in).
  static let kdumpToolsCommandPath = "/var/crash/kexec_cmd"

  static func findings(_ state: SystemState) -> [Finding] {
    guard KdumpReadiness.isLoaded(state.root) else { return [] }
    let bootID = state.root.value(ArmRecord.bootIDPath)
    if let text = state.root.text(ArmRecord.path), let record = ArmRecord(parsing: text),
      record.bootID == nil || record.bootID == bootID
    {
      let reading = Reading(
        path: ArmRecord.path, value: "kernel=\(record.kernel) cmdline=\(record.commandLine)")
      return [stale(state, record, reading), commandLine(record.commandLine, reading)].compactMap { $0 }
    }
    if let text = state.root.value(kdumpToolsCommandPath), let line = kexecCommandLine(text) {
      return [commandLine(line, Reading(path: kdumpToolsCommandPath, value: text))].compactMap { $0 }
    }
    return []
  }

  static func stale(_ state: SystemState, _ record: ArmRecord, _ reading: Reading) -> Finding? {
    let size = state.root.fileSize(record.kernel)
    let modified = state.root.modificationTime(record.kernel)
    // Compare only what the record kept.
    let sizeChanged = record.kernelSize.map { $0 != size } ?? false
    let timeChanged = record.kernelModified.map { $0 != modified } ?? false
    guard sizeChanged || timeChanged else { return nil }
    return Finding(
      check: "capture.stale", item: 8, severity: .degraded,
      summary: "the capture kernel \(record.kernel) changed on disk after it was loaded",
      reason:
        "the loaded image is the old one; a kernel update without a reload captures with a stale kernel",
      readings: [
        reading, Reading(path: record.kernel, value: size.map { "\($0) bytes, mtime \(modified ?? 0)" }),
      ],
      fixes: [Fix(.command, "coroner disarm && coroner arm")])
  }

  static func commandLine(_ line: String, _ reading: Reading) -> Finding? {
    let problems = CaptureCommandLine.problems(in: line)
    guard !problems.isEmpty else {
      return Finding(
        check: "capture.cmdline", item: 9, severity: nil,
        summary: "the capture command line has what a capture kernel needs",
        readings: [reading])
    }
    return Finding(
      check: "capture.cmdline", item: 9, severity: .degraded,
      summary: "the loaded capture command line is wrong: \(problems.joined(separator: ", "))",
      reason: "without reset_devices and irqpoll or nr_cpus=1 capture kernels often hang in driver setup",
      readings: [reading], fixes: [Fix(.command, "coroner disarm && coroner arm")])
  }

  /// The `--command-line=` or `--append=` value of a kexec-tools command.
  static func kexecCommandLine(_ command: String) -> String? {
    for option in ["--command-line=", "--append="] {
      guard let range = command.firstRange(of: option) else { continue }
      var rest = command[range.upperBound...]
      if let quote = rest.first, quote == "\"" || quote == "'" {
        rest = rest.dropFirst()
        return String(rest.prefix { $0 != quote })
      }
      return String(rest.prefix { $0 != " " })
    }
    return nil
  }
}
