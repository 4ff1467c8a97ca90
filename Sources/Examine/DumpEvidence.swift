import Dump
import KernelLog
import Symbols

/// A dump opened for examine: its kernel log, its crash scene and, when it has
/// them, its kallsyms, with what could not be read of each.
struct DumpEvidence {
  let vmcore: Vmcore
  let log: PrintkLog
  let scene: CrashScene
  /// The dump's vmlinux and module symbols, or nil when it has none (kernels before
  /// 6.0 do not export kallsyms in VMCOREINFO).
  let symbols: SymbolTable?
  /// The modules on the dump's module list (their ORC tables unwind module frames).
  let modules: [DumpModules.Module]
  /// What the dump, its log and its symbols lack.
  let problems: [EvidenceProblem]

  /// Reads the dump's log and symbols. A dump whose log cannot be read at all is bad
  /// data: examine has nothing to look for a crash in.
  static func read(_ vmcore: Vmcore) throws -> DumpEvidence {
    // Every value is made before the struct: a typed throw out of a half-built
    // struct's initializer is where the compiler has gone wrong before.
    var problems = vmcore.problems.map { EvidenceProblem(.dump, $0) }
    let log: PrintkLog
    do {
      log = try vmcore.kernelLog()
    } catch {
      throw ExamineError.badData(
        path: vmcore.path, problem: "the kernel log cannot be read: \(error)",
        expected: "a printk buffer at the addresses VMCOREINFO gives")
    }
    problems += log.problems.map { EvidenceProblem(.log, $0) }
    problems += LogPlausibility.problems(log)
    let symbols: SymbolTable?
    var modules: [DumpModules.Module] = []
    do {
      let read = try DumpKallsyms.readWithModules(vmcore)
      symbols = read.table
      modules = read.modules
      problems += read.problems.map { EvidenceProblem(.symbols, $0) }
    } catch {
      symbols = nil
      problems.append(EvidenceProblem(.symbols, "no kallsyms in the dump: \(error)"))
    }
    return DumpEvidence(
      vmcore: vmcore, log: log, scene: CrashScene(records: log.records, cpus: vmcore.cpus), symbols: symbols,
      modules: modules, problems: problems)
  }

  /// The release of the dead kernel: VMCOREINFO's, else the report's.
  func release(_ report: CrashReport?) -> String? {
    vmcore.vmcoreInfo?.osRelease ?? report?.kernel?.release
  }
}
