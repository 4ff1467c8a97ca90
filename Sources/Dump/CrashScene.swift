import KernelLog

/// What a dump says about the moment of death beyond the log text: the panic
/// message, the CPU and task that crashed (from the `CPU: N PID: P Comm: C` line the
/// kernel prints with every oops and panic, lib/dump_stack.c), and that CPU's saved
/// registers.
public struct CrashScene: Sendable, Equatable {
  public var panicMessage: String?
  public var cpu: Int?
  public var pid: Int?
  public var comm: String?
  /// The registers saved for the crashing CPU (NT_PRSTATUS whose pid matches, or the
  /// QEMU vCPU of that number).
  public var registers: CpuRegisters?

  public init(records: [PrintkRecord], cpus: [CpuRegisters]) {
    for record in records.reversed() {
      let text = String(decoding: record.text, as: UTF8.self)
      // The closing `---[ end Kernel panic ... ]---` line repeats the message.
      if panicMessage == nil, !text.hasPrefix("---[ end"),
        let end = Self.end(of: Self.panicMarker, in: record.text)
      {
        panicMessage = String(decoding: record.text[end...].prefix { $0 != 0x0A }, as: UTF8.self)
      }
      if cpu == nil, text.hasPrefix("CPU: "), let info = DumpStackInfo(text), let number = info.cpu,
        let task = info.pid, let name = info.comm
      {
        (cpu, pid, comm) = (number, task, name)
      }
      if panicMessage != nil && cpu != nil { break }
    }
    if let pid, let cpu {
      if cpus.contains(where: { $0.vcpu != nil }) {
        registers = cpus.first { $0.vcpu == cpu }
      } else {
        // kdump: NT_PRSTATUS carries the pid running on each CPU, not its number.
        registers = cpus.first { $0.pid == Int32(truncatingIfNeeded: pid) }
      }
    }
  }

  static let panicMarker = Array("Kernel panic - not syncing: ".utf8)

  /// The index just past the first occurrence of `needle` in `haystack`.
  static func end(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard needle.count <= haystack.count else { return nil }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
      if haystack[start..<start + needle.count].elementsEqual(needle) { return start + needle.count }
    }
    return nil
  }
}
