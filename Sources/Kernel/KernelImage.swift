import Dump
import Symbols

/// A dead kernel opened for its objects: its memory, the symbols of vmlinux and its
/// modules from the dump's own kallsyms, and the types from its own BTF. Nothing
/// outside the dump is read.
public struct KernelImage: Sendable {
  public let vmcore: Vmcore
  public let memory: KernelMemory
  /// vmlinux and module symbols at their runtime addresses.
  public let symbols: SymbolTable
  public let modules: [DumpModules.Module]
  public let btf: Btf
  /// The release from VMCOREINFO (`6.1.0-57-amd64`), for format decisions the data
  /// cannot make.
  public let release: String?
  /// What could not be read (module symbol tables, ...), in words.
  public let problems: [String]
  /// Data and absolute symbols by name, for the handful of globals the readers use.
  let globals: [String: UInt64]

  /// The globals the readers look up by name; one pass over kallsyms finds them all.
  static let globalNames: Set<String> = [
    "init_task", "runqueues", "__per_cpu_offset", "nr_cpu_ids", "__cpu_online_mask", "crash_notes",
    "panic_cpu", "__start_orc_unwind_ip", "__stop_orc_unwind_ip", "__start_orc_unwind", "__stop_orc_unwind",
    "__start_orc_header", "_stext", "_etext", "_sinittext", "_einittext", "__start_BTF", "__stop_BTF",
    "modules", "hardirq_stack_ptr",
    "pcpu_hot", "ret_from_fork", "ret_from_fork_asm",
  ]

  /// `modules`: whether to read the modules' symbols too (stacks need them to name
  /// module frames and find module ORC; the task list does not).
  public init(vmcore: Vmcore, modules readModules: Bool = true) throws {
    let read =
      readModules
      ? try DumpKallsyms.readWithModules(vmcore)
      : (table: try DumpKallsyms.read(vmcore), modules: [], problems: [])
    try self.init(vmcore: vmcore, symbols: read.table, modules: read.modules, problems: read.problems)
  }

  /// With the symbols already read (examine reads them for the log's report first).
  public init(
    vmcore: Vmcore, symbols: SymbolTable, modules: [DumpModules.Module], problems: [String]
  ) throws {
    guard let info = vmcore.vmcoreInfo else {
      throw KernelError(vmcore.path, expected: "a VMCOREINFO note (to find kallsyms)")
    }
    self.vmcore = vmcore
    memory = try vmcore.kernelMemory()
    self.symbols = symbols
    self.modules = modules
    release = info.osRelease
    globals = symbols.vmlinuxAddresses(of: Self.globalNames)
    btf = try DumpBtf.read(memory: memory, symbols: symbols)
    self.problems = problems
  }

  /// The name of a global variable at `address` as `%pS` prints it: `det_lock_a
  /// [det_deadlock]`, `sym+0x10` inside one; nil for an address no data symbol
  /// covers (heap, stack), so that a far symbol is never taken for its owner.
  public func globalName(_ address: UInt64) -> String? {
    Self.globalName(address, in: symbols)
  }

  static func globalName(_ address: UInt64, in symbols: SymbolTable) -> String? {
    guard let location = symbols.locate(address), !location.symbol.isText,
      location.symbol.type != "A", location.symbol.type != "a", let size = location.size, size <= 1 << 20
    else { return nil }
    var name = location.symbol.name
    if location.offset != 0 { name += "+0x" + String(location.offset, radix: 16) }
    if let module = location.symbol.module { name += " [\(module)]" }
    return name
  }

  /// The address of a vmlinux global the readers need.
  public func global(_ name: String) throws -> UInt64 {
    guard let address = globals[name] else {
      throw KernelError("kallsyms", expected: "a symbol named \(name) (CONFIG_KALLSYMS_ALL)")
    }
    return address
  }

  public func optionalGlobal(_ name: String) -> UInt64? { globals[name] }

  /// A byte offset by BTF field path, with the error naming the path.
  public func offset(_ path: String) throws -> Int {
    Int(try btf.field(path).offset)
  }

  /// The first path of several that the kernel's BTF has.
  public func offset(anyOf paths: [String]) throws -> Int {
    Int(try btf.field(anyOf: paths).offset)
  }

  /// The (major, minor) of the release, nil when it does not parse.
  public var version: (Int, Int)? {
    guard let release else { return nil }
    let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
  }

  /// An 8-byte word of kernel memory.
  func word(_ address: UInt64) throws -> UInt64 { try memory.u64(address) }
}
