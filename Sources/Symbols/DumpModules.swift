import Bytes
import Dump

/// Module symbols from a dump: the `modules` list (kernel/module/main.c) walked through
/// kernel memory, each module's `core_kallsyms` symbol table read as the kernel's own
/// lookup reads it (kernel/module/kallsyms.c find_kallsyms_symbol()).
///
/// VMCOREINFO carries no `struct module` offsets, so only the head of the structure,
/// stable since 2.6 (include/linux/module.h: `enum module_state state; struct list_head
/// list; char name[MODULE_NAME_LEN];`), is read by offset; the `kallsyms` pointer, whose
/// offset depends on the configuration, is found by scanning the structure for a
/// pointer to a `struct mod_kallsyms { Elf_Sym *symtab; unsigned int num_symtab; char
/// *strtab; ... }` whose every field checks out.
public enum DumpModules {
  public struct Module: Sendable, Equatable {
    public var name: String
    public var address: UInt64
    public var symbols: [KernelSymbol]
  }

  /// The modules and what could not be read of them (a module whose symbol table was
  /// not found is listed with no symbols, and a problem says so).
  public static func read(
    memory: KernelMemory, modulesListHead head: UInt64
  ) -> (modules: [Module], problems: [String]) {
    var modules: [Module] = []
    var problems: [String] = []
    var entry: UInt64
    do { entry = try memory.u64(head) } catch {
      return ([], ["the module list head at 0x\(String(head, radix: 16)) cannot be read: \(error)"])
    }
    var seen = Set<UInt64>()
    while entry != head, modules.count < maximumModules, seen.insert(entry).inserted {
      let module = entry &- listOffset
      do {
        let name = try memory.cString(module + nameOffset, maxLength: moduleNameLength)
        var found = Module(name: name, address: module, symbols: [])
        if let symbols = try? symbols(of: module, named: name, memory: memory) {
          found.symbols = symbols
        } else {
          problems.append(
            "module \(name): no symbol table found in struct module at 0x\(String(module, radix: 16))")
        }
        modules.append(found)
        entry = try memory.u64(entry)
      } catch {
        problems.append("the module list breaks at 0x\(String(entry, radix: 16)): \(error)")
        break
      }
    }
    return (modules, problems)
  }

  static let listOffset: UInt64 = 8
  static let nameOffset: UInt64 = 24
  /// MODULE_NAME_LEN on 64-bit: 64 - sizeof(unsigned long).
  static let moduleNameLength = 56
  static let maximumModules = 10_000
  /// How far into `struct module` to look for the kallsyms pointer.
  static let structScan = 2048
  static let elfSymSize = 24

  /// The module's symbols at their runtime addresses, tagged with its name.
  static func symbols(of module: UInt64, named name: String, memory: KernelMemory) throws -> [KernelSymbol]? {
    let bytes = try memory.read(module, count: structScan)
    for offset in stride(from: Int(nameOffset) + moduleNameLength, to: structScan - 8, by: 8) {
      guard let pointer = bytes.u64(offset), isKernelAddress(pointer),
        let symbols = try? table(at: pointer, module: name, memory: memory)
      else { continue }
      return symbols
    }
    return nil
  }

  static func isKernelAddress(_ value: UInt64) -> Bool { value >= 0xFFFF_8000_0000_0000 && value & 7 == 0 }

  /// A `struct mod_kallsyms` at `address`, if every field is plausible: both pointers
  /// kernel addresses, a count a module can have, the first entry the null symbol,
  /// and every name a NUL-terminated string in the string table.
  static func table(at address: UInt64, module: String, memory: KernelMemory) throws -> [KernelSymbol]? {
    let header = try memory.read(address, count: 24)
    guard let symtab = header.u64(0), let count = header.u32(8), let strtab = header.u64(16),
      isKernelAddress(symtab), strtab >= 0xFFFF_8000_0000_0000, count > 1, count < 200_000
    else { return nil }
    let entries = try memory.read(symtab, count: Int(count) * elfSymSize)
    guard entries.prefix(elfSymSize).allSatisfy({ $0 == 0 }) else { return nil }
    var symbols: [KernelSymbol] = []
    for index in 1..<Int(count) {
      let base = index * elfSymSize
      guard let nameOffset = entries.u32(base), let value = entries.u64(base + 8) else { return nil }
      let info = entries[base + 4]
      let section = UInt16(entries[base + 6]) | UInt16(entries[base + 7]) << 8
      guard nameOffset < 1 << 24 else { return nil }
      let name = try memory.cString(strtab + UInt64(nameOffset), maxLength: 512)
      guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
      // SHN_UNDEF and SHN_ABS carry no address in the module.
      guard section != 0, section != 0xFFF1, value != 0 else { continue }
      let type: Character
      switch info & 0xF {
      case 2: type = info >> 4 == 0 ? "t" : "T"  // STT_FUNC, local or global
      case 1: type = info >> 4 == 0 ? "d" : "D"  // STT_OBJECT
      default: continue
      }
      symbols.append(KernelSymbol(address: value, type: type, name: name, module: module))
    }
    return symbols.isEmpty ? nil : symbols
  }
}

extension Array where Element == UInt8 {
  fileprivate func u32(_ offset: Int) -> UInt32? {
    guard offset >= 0, offset + 4 <= count else { return nil }
    return (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[offset + $1]) << (8 * $1) }
  }

  fileprivate func u64(_ offset: Int) -> UInt64? {
    guard offset >= 0, offset + 8 <= count else { return nil }
    return (0..<8).reduce(UInt64(0)) { $0 | UInt64(self[offset + $1]) << (8 * $1) }
  }
}
