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
  /// The letters in `types` (ASCII, one per entry of `addresses`) of misfiled data symbols
  /// made data letters (`D`/`d`, `V`/`v` for weak ones); `index` finds a symbol by name.
  /// Unchanged when the table lacks the section bounds.
  static func correct(_ types: inout [UInt8], addresses: [UInt64], index: (String) -> Int?) {
    guard let etext = index("_etext").map({ addresses[$0] }),
      let sinittext = index("_sinittext").map({ addresses[$0] }), etext < sinittext
    else { return }
    let bss = index("__bss_start").map { addresses[$0] }
    for entry in types.indices {
      let value = addresses[entry]
      guard (value > etext && value < sinittext) || (bss.map { value >= $0 } ?? false) else { continue }
      switch types[entry] {
      case UInt8(ascii: "T"): types[entry] = UInt8(ascii: "D")
      case UInt8(ascii: "t"): types[entry] = UInt8(ascii: "d")
      case UInt8(ascii: "W"): types[entry] = UInt8(ascii: "V")
      case UInt8(ascii: "w"): types[entry] = UInt8(ascii: "v")
      default: continue
      }
    }
  }

  /// `symbols` with the letter of each misfiled data symbol corrected, as `correct` does.
  static func corrected(_ symbols: [KernelSymbol]) -> [KernelSymbol] {
    var types = symbols.map { $0.type.asciiValue ?? 0x3F }
    KallsymsDataTypes.correct(&types, addresses: symbols.map(\.address)) { name in
      symbols.firstIndex { $0.name == name }
    }
    return zip(symbols, types).map { symbol, type in
      var fixed = symbol
      fixed.type = Character(Unicode.Scalar(type))
      return fixed
    }
  }
}
