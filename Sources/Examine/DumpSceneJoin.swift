import Dump
import KernelLog
import Symbols

/// The join of a dump and the report that killed the kernel: what only a dump knows
/// (the crashing CPU's registers from NT_PRSTATUS, the task, the stack from its saved
/// pointer) added to what the log said, register values and stack words named from
/// the dump's own kallsyms (Linux 6.0 and later).
extension DumpEvidence {
  /// The killer report with the dump's scene; `problems` gains what could not be read.
  func joinScene(_ report: CrashReport, problems: inout [EvidenceProblem]) -> CrashReport {
    var report = report
    // The capture kernel runs only when the kernel died (crash_kexec() from panic(),
    // or straight from oops_end() with panic_on_oops, before any panic line is
    // printed); a QEMU dump (vCPU notes) may be of a live guest, so it proves nothing.
    if !vmcore.cpus.isEmpty, !vmcore.cpus.contains(where: { $0.vcpu != nil }) { report.panicked = true }
    if scene.cpu != nil || scene.pid != nil {
      var task = report.task ?? CrashReport.TaskIdentity()
      task.pid = task.pid ?? scene.pid
      task.comm = task.comm ?? scene.comm
      task.cpu = task.cpu ?? scene.cpu
      report.task = task
    }
    if report.kernel == nil, let release = vmcore.vmcoreInfo?.osRelease {
      report.kernel = CrashReport.KernelBuild(release: release, version: nil)
    }
    guard let cpu = scene.registers else { return report }
    var registers: [String: String] = [:]
    var named: [String: String] = [:]
    for (name, value) in cpu.registers {
      registers[name] = hex(value)
      if let location = codeLocation(value) { named[name] = location.description }
    }
    for (index, value) in cpu.controlRegisters.enumerated() {
      registers["cr\(index)"] = hex(value)
    }
    report.registers = registers
    report.registerSymbols = named.isEmpty ? nil : named
    if let rsp = cpu["rsp"] {
      let words = stackWords(from: rsp, problems: &problems)
      report.stackWords = words.isEmpty ? nil : words
    }
    return report
  }

  static let stackWordLimit = 256

  /// Words of the stack from `rsp` to its end that point into kernel or module code:
  /// return addresses and the code pointers the unwinder would show with `?`, as
  /// `rsp+0x18: 0xffffffff81234567 func+0x1a/0x40`.
  func stackWords(from rsp: UInt64, problems: inout [EvidenceProblem]) -> [String] {
    guard let symbols else { return [] }
    let stack: KernelStack
    do {
      stack = try KernelStack(
        stackPointer: rsp, memory: try vmcore.kernelMemory(), limit: Self.stackWordLimit)
    } catch {
      problems.append(EvidenceProblem(.stack, "the crashing CPU's stack cannot be read: \(error)"))
      return []
    }
    return stack.words.compactMap { word in
      // Kernel text and modules live in the top 2 GiB (Documentation/arch/x86/x86_64/mm.rst).
      guard word.value >= 0xFFFF_FFFF_8000_0000, let location = symbols.locateCode(word.value),
        location.symbol.isText
      else { return nil }
      return "rsp+0x\(String(word.offset, radix: 16)): \(hex(word.value)) \(location)"
    }
  }

  /// `sym+0xoff/0xsize` for a value inside kernel text: rip always when it can be
  /// named, other registers only when they hold a code address (a return address
  /// left in a callee-saved register).
  func codeLocation(_ value: UInt64) -> SymbolLocation? {
    guard let location = symbols?.locateCode(value), location.symbol.isText else { return nil }
    return location
  }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
