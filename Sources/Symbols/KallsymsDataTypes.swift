/// Type letters of kallsyms checked against where the kernel keeps its code.
///
/// The letter is what the build's `nm` said (scripts/kallsyms.c keeps it as the first byte of
/// each name), and readers take `T`/`t` as "a return address can land here". On Debian's
/// 7.2.13 (sid) about 20,000 data symbols carry a text letter (`jiffies T`, `tasklist_lock T`,
/// `modules T`, measured on a lab dump; 6.12's dump has none outside text but its
/// `.exit.text` functions), so a letter alone no longer tells code from data there.
/// The kernel's own test of a code address, core_kernel_text() (kernel/extable.c), is by
/// address: `_stext <= addr < _etext`, or init text. x86_64's vmlinux.lds.S lays out
/// `.text`, then `.rodata` and `.data` up to the init sections, and `.bss` last, so a
/// text-lettered symbol in (_etext, _sinittext) or from `__bss_start` on is data (the markers
/// at `_etext` itself, `_etext` and `__indirect_thunk_end`, keep the letter `nm` gave them).
enum KallsymsDataTypes {
  /// `symbols` with the letter of each misfiled data symbol made a data letter (`D`/`d`,
  /// `V`/`v` for weak ones). Unchanged when the table lacks the section bounds.
  static func corrected(_ symbols: [KernelSymbol]) -> [KernelSymbol] {
    var bounds: [String: UInt64] = [:]
    for symbol in symbols where symbol.name.utf8.first == UInt8(ascii: "_") {
      switch symbol.name {
      case "_etext", "_sinittext", "__bss_start": bounds[symbol.name] = bounds[symbol.name] ?? symbol.address
      default: continue
      }
    }
    guard let etext = bounds["_etext"], let sinittext = bounds["_sinittext"], etext < sinittext
    else { return symbols }
    let bss = bounds["__bss_start"]
    func isData(_ value: UInt64) -> Bool {
      (value > etext && value < sinittext) || (bss.map { value >= $0 } ?? false)
    }
    return symbols.map { symbol in
      guard symbol.isText, isData(symbol.address) else { return symbol }
      var fixed = symbol
      switch symbol.type {
      case "T": fixed.type = "D"
      case "t": fixed.type = "d"
      case "W": fixed.type = "V"
      default: fixed.type = "v"
      }
      return fixed
    }
  }
}
