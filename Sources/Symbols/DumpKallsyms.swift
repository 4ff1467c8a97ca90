import Dump

/// The dump's memory is a `KernelMemorySource`: both protocols ask for the same read.
extension KernelMemory: KernelMemorySource {}

/// kallsyms read from a dump with no other file: the tables' addresses come from
/// VMCOREINFO's `SYMBOL(kallsyms_*)` keys, which kernel/vmcore_info.c (crash_core.c
/// before 6.11) exports from Linux 6.0 on.
public enum DumpKallsyms {
  /// The VMCOREINFO symbols `KallsymsLocation` needs, without the `SYMBOL()` wrapper.
  static let keys = [
    "kallsyms_names", "kallsyms_num_syms", "kallsyms_token_table", "kallsyms_token_index",
    "kallsyms_offsets", "kallsyms_relative_base", "kallsyms_addresses", "_stext",
  ]

  /// Where the tables are; throws `.missing` naming the key when the kernel is older
  /// than 6.0 or the dump lost its VMCOREINFO.
  public static func location(_ info: VmcoreInfo) throws -> KallsymsLocation {
    var symbols: [String: UInt64] = [:]
    for name in keys { symbols[name] = info.symbol(name) }
    return try KallsymsLocation(symbols: symbols, release: info.osRelease)
  }

  /// The vmlinux symbol table of the dead kernel, at its runtime (KASLR) addresses.
  public static func read(_ vmcore: Vmcore) throws -> SymbolTable {
    guard let info = vmcore.vmcoreInfo else {
      throw SymbolsError(.missing, path: vmcore.path, expected: "a VMCOREINFO note to find kallsyms")
    }
    let memory = try vmcore.kernelMemory()
    let found: KallsymsLocation
    do {
      found = try location(info)
    } catch let error as SymbolsError where error.kind == .missing {
      // Before 6.0 VMCOREINFO does not say where kallsyms is: search the image.
      guard let stext = info.symbol("_stext") else { throw error }
      found = try KallsymsScan.locate(memory: memory, stext: stext, release: info.osRelease)
    }
    return try Kallsyms.read(from: memory, at: found).table
  }

  /// vmlinux's symbols and those of the modules on the dump's `modules` list (found
  /// by name in kallsyms), with what could not be read of the modules.
  public static func readWithModules(
    _ vmcore: Vmcore
  ) throws -> (table: SymbolTable, modules: [DumpModules.Module], problems: [String]) {
    let kernel = try read(vmcore)
    guard
      let head = kernel.index(of: "modules", where: kernel.isVmlinuxData).map({
        kernel.symbol(at: $0).address
      })
    else {
      return (kernel, [], ["kallsyms has no `modules` list head: module symbols skipped"])
    }
    let (modules, problems) = DumpModules.read(memory: try vmcore.kernelMemory(), modulesListHead: head)
    guard !modules.isEmpty else { return (kernel, modules, problems) }
    // Modules load above vmlinux: their symbols, sorted apart, follow its own in order.
    return (kernel.merged(with: SymbolTable(modules.flatMap(\.symbols))), modules, problems)
  }
}
