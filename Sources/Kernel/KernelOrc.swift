/// Loads the ORC tables from the dump: vmlinux's between `__start_orc_unwind_ip` /
/// `__stop_orc_unwind_ip` and `__start_orc_unwind` / `__stop_orc_unwind`
/// (arch/x86/kernel/vmlinux.lds.S), covering `_stext` to `_etext`; each module's from
/// `mod->arch.{orc_unwind_ip, orc_unwind, num_orcs}` (arch/x86/kernel/unwind_orc.c
/// unwind_module_init()) over its core text: `mod->mem[MOD_TEXT]` since 6.4,
/// `mod->core_layout.{base, text_size}` before.
extension OrcTable {
  /// vmlinux's text: `_stext` to `_etext`, and on to `_einittext` because the init
  /// text's entries stay in the table after free_initmem() and the idle task of CPU 0
  /// still returns into start_kernel.
  static func vmlinuxText(_ image: KernelImage) throws -> Swift.Range<UInt64> {
    let start = try image.global("_stext")
    let end = max(try image.global("_etext"), image.optionalGlobal("_einittext") ?? 0)
    guard end > start else {
      throw KernelError("kallsyms", address: start, expected: "_etext above _stext")
    }
    return start..<end
  }

  /// vmlinux's table and every module's that can be read, with what could not.
  public static func load(image: KernelImage) throws -> (table: OrcTable, problems: [String]) {
    let format = OrcFormat.detect(
      version: image.version, hasHeader: image.optionalGlobal("__start_orc_header") != nil)
    var table = OrcTable(format: format)
    let ipStart = try image.global("__start_orc_unwind_ip")
    let ipStop = try image.global("__stop_orc_unwind_ip")
    let entryStart = try image.global("__start_orc_unwind")
    let entryStop = try image.global("__stop_orc_unwind")
    guard ipStop > ipStart, entryStop > entryStart,
      (ipStop - ipStart) / 4 <= UInt64(maximumEntries), (entryStop - entryStart) / 6 <= UInt64(maximumEntries)
    else {
      throw KernelError(
        "vmlinux ORC", address: ipStart,
        expected: "__stop_orc_unwind_ip and __stop_orc_unwind above their starts")
    }
    table.add(
      try range(
        name: "vmlinux", text: try vmlinuxText(image), ipBase: ipStart,
        ips: try image.memory.read(ipStart, count: Int(ipStop - ipStart)),
        entries: try image.memory.read(entryStart, count: Int(entryStop - entryStart))))
    var problems: [String] = []
    guard !image.modules.isEmpty else { return (table, problems) }
    do {
      let layout = try ModuleOrcLayout(image: image)
      for module in image.modules {
        do {
          table.add(try layout.range(of: module.address, named: module.name, image: image))
        } catch {
          problems.append("module \(module.name): no ORC table: \(error)")
        }
      }
    } catch {
      problems.append("modules' ORC tables skipped: \(error)")
    }
    return (table, problems)
  }
}

/// Where `struct module` keeps its ORC table and text, from BTF.
struct ModuleOrcLayout {
  var numOrcs: Int
  var ips: Int
  var entries: Int
  var textBase: Int
  /// The text size field, and whether it is `mem[MOD_TEXT].size` (6.4+) or
  /// `core_layout.text_size`.
  var textSize: Int

  init(image: KernelImage) throws {
    numOrcs = try image.offset("module.arch.num_orcs")
    ips = try image.offset("module.arch.orc_unwind_ip")
    entries = try image.offset("module.arch.orc_unwind")
    if let mem = try? image.btf.field("module.mem") {
      // mem[MOD_TEXT], MOD_TEXT = 0 (include/linux/module.h).
      let element = try image.btf.array(mem.type)?.element ?? mem.type
      textBase = Int(mem.offset) + Int(try image.btf.field(["base"], in: element).offset)
      textSize = Int(mem.offset) + Int(try image.btf.field(["size"], in: element).offset)
    } else {
      textBase = try image.offset("module.core_layout.base")
      textSize = try image.offset("module.core_layout.text_size")
    }
  }

  func range(of module: UInt64, named name: String, image: KernelImage) throws -> OrcTable.Range {
    let count = Int(try image.memory.u32(module + UInt64(numOrcs)))
    guard count > 0, count <= OrcTable.maximumEntries else {
      throw KernelError(
        "module \(name) num_orcs", address: module, expected: "a count from 1 to a million, found \(count)")
    }
    let ipBase = try image.word(module + UInt64(ips))
    let entryBase = try image.word(module + UInt64(entries))
    let base = try image.word(module + UInt64(textBase))
    let size = UInt64(try image.memory.u32(module + UInt64(textSize)))
    return try OrcTable.range(
      name: name, text: base..<base &+ size, ipBase: ipBase,
      ips: try image.memory.read(ipBase, count: 4 * count),
      entries: try image.memory.read(entryBase, count: OrcFormat.entrySize * count))
  }
}
