import Bytes

/// The KASLR slide: runtime address minus link address of the kernel image.
///
/// A panic log states it (`Kernel Offset: 0x18c00000 from 0xffffffff81000000 (relocation
/// range: ...)`, arch/x86/kernel/setup.c dump_kernel_offset()); a dump's VMCOREINFO has
/// it as `KERNELOFFSET=18c00000`.
public enum KernelOffset {
  /// The offset from the last `Kernel Offset:` line of a log; 0 for `Kernel Offset:
  /// disabled`; nil when no line says.
  public static func parse(logLines lines: [String]) -> UInt64? {
    let marker = Array("Kernel Offset: ".utf8)
    for line in lines.reversed() {
      let bytes = Array(line.utf8)
      guard bytes.count >= marker.count,
        let start = (0...(bytes.count - marker.count)).first(where: {
          bytes[$0..<$0 + marker.count].elementsEqual(marker)
        })
      else { continue }
      let rest = Substring(String(decoding: bytes[(start + marker.count)...], as: UTF8.self))
      if rest.hasPrefix("disabled") { return 0 }
      guard rest.hasPrefix("0x") else { continue }
      let digits = rest.dropFirst(2).prefix { $0.isHexDigit }
      if let value = UInt64(digits, radix: 16) { return value }
    }
    return nil
  }

  /// The value of VMCOREINFO's `KERNELOFFSET=` (hexadecimal without `0x`).
  public static func parse(vmcoreinfoValue value: String) -> UInt64? {
    let digits = value.hasPrefix("0x") ? value.dropFirst(2) : Substring(value)
    return UInt64(digits.trimmingCharacters(), radix: 16)
  }
}

extension Substring {
  fileprivate func trimmingCharacters() -> Substring {
    var text = self
    while let last = text.last, last.isWhitespace { text = text.dropLast() }
    while let first = text.first, first.isWhitespace { text = text.dropFirst() }
    return text
  }
}

extension SymbolTable {
  /// The symbols of an ELF file (vmlinux or a module) as `nm` would list them, for
  /// kernels whose dump carries no kallsyms keys (before 6.0) and for logs.
  public init(elf file: ElfFile, module: String? = nil) throws {
    guard let table = file.sections.first(where: { $0.type == ElfSection.symbolTable }) else {
      self.init([])
      return
    }
    let view = try file.symbolTableView(index: table.index)
    var symbols: [KernelSymbol] = []
    for index in 1..<max(view.count, 1) {
      let offset = index * ElfSymbolTableView.entrySize
      let info = try view.symbols.load(offset + 4, as: UInt8.self)
      let kind = info & 0xf
      let sectionIndex = Int(try view.symbols.load(offset + 6, as: UInt16.self))
      // Sections, files and undefined symbols are not in nm's default listing.
      guard kind != 3, kind != 4, sectionIndex != 0 else { continue }
      let name = try view.strings.cString(at: Int(try view.symbols.load(offset, as: UInt32.self)))
      guard !name.isEmpty else { continue }
      let letter = SymbolTable.nmLetter(
        file: file, sectionIndex: sectionIndex, binding: info >> 4, kind: kind)
      symbols.append(
        KernelSymbol(
          address: try view.value(ofSymbol: index, in: file), type: letter, name: name, module: module))
    }
    self.init(symbols)
  }

  /// nm's letter: by the section's flags; upper case for global symbols; weak ones
  /// `V` when they are objects, `W` otherwise.
  static func nmLetter(file: ElfFile, sectionIndex: Int, binding: UInt8, kind: UInt8) -> Character {
    var letter: Character = "?"
    if sectionIndex == 0xfff1 {
      letter = "a"
    } else if sectionIndex < file.sections.count {
      let section = file.sections[sectionIndex]
      if section.isExecutable {
        letter = "t"
      } else if section.type == ElfSection.noBits {
        letter = "b"
      } else if section.flags & 0x1 != 0 {  // SHF_WRITE
        letter = "d"
      } else if section.isAllocated {
        letter = "r"
      } else {
        letter = "n"
      }
    }
    if binding == 2 { return kind == 1 ? "V" : "W" }  // STB_WEAK; STT_OBJECT 1
    return binding == 1 ? Character(letter.uppercased()) : letter
  }
}
