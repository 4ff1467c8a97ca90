import Dump
import Foundation
import KernelLog
import Symbols

/// vmcores of every format the Dump library reads (ELF, kdump-compressed, flattened):
/// the printk records of the dump go to the same report parser as a console log,
/// and the report that killed the kernel gains what only a dump knows: the panic
/// CPU's registers from NT_PRSTATUS and the crashing task, with register values
/// named from the dump's own kallsyms (Linux 6.0 and later).
struct VmcoreEvidenceReader: EvidenceReader {
  var options = ExamineOptions()

  var kind: String { "vmcore" }

  func recognizes(_ head: [UInt8]) -> Bool {
    head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) || head.starts(with: Array("KDUMP   ".utf8))
      || head.starts(with: Array("DISKDUMP".utf8)) || head.starts(with: Array("makedumpfile".utf8))
  }

  func records(from evidence: EvidenceFile) throws -> [LogRecord] {
    try DumpExamination.open(evidence.path).log.records.map(\.logRecord)
  }

  func reports(from evidence: EvidenceFile) throws -> [CrashReport] {
    let dump = try DumpExamination.open(evidence.path)
    return dump.reports(options: options)
  }
}

/// A dump opened for examine: its log, its crash scene and, when it has them, its
/// kallsyms.
struct DumpExamination {
  let vmcore: Vmcore
  let log: PrintkLog
  let scene: CrashScene
  /// The dump's vmlinux and module symbols, or why there are none.
  let symbols: Result<SymbolTable, SymbolsError>
  /// What could not be read of the module list.
  let moduleProblems: [String]

  static func open(_ path: String) throws -> DumpExamination {
    guard path != "-" else {
      throw EvidenceError.unsupported(path, "a kernel dump cannot be read from standard input; give its file")
    }
    do {
      let vmcore = try Vmcore.open(path: path)
      let log = try vmcore.kernelLog()
      let scene = CrashScene(records: log.records, cpus: vmcore.cpus)
      let symbols: Result<SymbolTable, SymbolsError>
      var moduleProblems: [String] = []
      do {
        let read = try DumpKallsyms.readWithModules(vmcore)
        symbols = .success(read.table)
        moduleProblems = read.problems
      } catch let error as SymbolsError {
        symbols = .failure(error)
      } catch {
        symbols = .failure(SymbolsError(.missing, path: path, expected: "kallsyms in memory: \(error)"))
      }
      return DumpExamination(
        vmcore: vmcore, log: log, scene: scene, symbols: symbols, moduleProblems: moduleProblems)
    } catch let error as EvidenceError {
      throw error
    } catch {
      throw EvidenceError.unsupported(path, "cannot read the dump: \(error)")
    }
  }

  func reports(options: ExamineOptions) -> [CrashReport] {
    let records = log.records.map(\.logRecord)
    var reports = CrashReport.killerFirst(CrashReportParser().reports(in: records, evidenceKind: "vmcore"))
    guard !reports.isEmpty else { return reports }
    // The scene is the last oops/panic of the log: the report that killed the kernel.
    reports[0] = withScene(reports[0])
    if let symbolizer = ExamineSymbolizer(options: options, vmcore: vmcore, release: release(reports[0])) {
      reports = reports.map { symbolizer.annotate($0) }
    }
    return reports
  }

  func release(_ report: CrashReport) -> String? {
    vmcore.vmcoreInfo?.osRelease ?? report.kernel?.release
  }

  /// The dump's task and registers in the killer report; the log's `CPU:` line
  /// already names the task, the dump confirms it and adds what the log lacks.
  func withScene(_ report: CrashReport) -> CrashReport {
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
      registers[name] = "0x" + String(value, radix: 16)
      if let location = codeLocation(value, register: name) { named[name] = location.description }
    }
    for (index, value) in cpu.controlRegisters.enumerated() {
      registers["cr\(index)"] = "0x" + String(value, radix: 16)
    }
    report.registers = registers
    report.registerSymbols = named.isEmpty ? nil : named
    if let rsp = cpu["rsp"] {
      let words = stackWords(from: rsp)
      report.stackWords = words.isEmpty ? nil : words
    }
    return report
  }

  /// x86_64 THREAD_SIZE (16 KiB with KASAN off, arch/x86/include/asm/page_64_types.h):
  /// kernel stacks are aligned to it, so the stack ends at the next boundary.
  static let threadSize: UInt64 = 16 << 10
  static let stackWordLimit = 256

  /// Words of the stack from `rsp` to its end that point into kernel or module code:
  /// return addresses and the code pointers the unwinder would show with `?`.
  func stackWords(from rsp: UInt64) -> [String] {
    guard case .success(let table) = symbols, rsp & 7 == 0, let memory = try? vmcore.kernelMemory() else {
      return []
    }
    let top = (rsp | (Self.threadSize - 1)) &+ 1
    guard top > rsp else { return [] }
    let count = Int(min(top - rsp, UInt64(Self.stackWordLimit * 8)))
    guard let bytes = try? memory.read(rsp, count: count) else { return [] }
    var words: [String] = []
    for offset in stride(from: 0, to: bytes.count - 7, by: 8) {
      let value = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
      guard value >= 0xFFFF_FFFF_8000_0000, let location = table.locate(value), location.symbol.isText
      else { continue }
      words.append("rsp+0x\(String(offset, radix: 16)): 0x\(String(value, radix: 16)) \(location)")
    }
    return words
  }

  /// `sym+0xoff/0xsize` for a value inside kernel text: rip always when it can be
  /// named, other registers only when they hold a code address (a return address
  /// left in a callee-saved register).
  func codeLocation(_ value: UInt64, register: String) -> SymbolLocation? {
    guard case .success(let table) = symbols, let location = table.locate(value) else { return nil }
    guard location.symbol.isText else { return nil }
    return location
  }
}
