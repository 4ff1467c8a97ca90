import Bytes

/// One entry of an ELF symbol table (Elf64_Sym), with its address resolved: in ET_REL
/// files a symbol's value is relative to its section, so the section's synthetic base
/// is added.
public struct ElfSymbol: Sendable, Hashable {
  public var name: String
  public var address: UInt64
  /// `st_size` from the table.
  public var elfSize: UInt64
  /// The distance to the next symbol of the same section, as kallsyms measures the
  /// size it prints in `func+0x1a/0x40` (scripts/faddr2line recomputes it the same way).
  public var kallsymsSize: UInt64
  public var sectionIndex: Int
  public var isGlobal: Bool
}

/// The raw symbol table and its string table.
struct ElfSymbolTableView {
  static let entrySize = 24
  let symbols: ByteView
  let strings: ByteView

  var count: Int { symbols.count / ElfSymbolTableView.entrySize }

  func value(ofSymbol index: Int, in file: ElfFile) throws -> UInt64 {
    let offset = index * ElfSymbolTableView.entrySize
    let sectionIndex = Int(try symbols.load(offset + 6, as: UInt16.self))
    let value = try symbols.load(offset + 8, as: UInt64.self)
    // SHN_UNDEF 0, SHN_ABS 0xfff1, SHN_COMMON 0xfff2 have no section base.
    guard sectionIndex != 0, sectionIndex < 0xff00 else { return value }
    return value &+ (file.type == .relocatable ? file.address(ofSection: sectionIndex) : 0)
  }
}

extension ElfFile {
  func symbolTableView(index: Int) throws -> ElfSymbolTableView {
    guard index > 0, index < sections.count, Int(sections[index].link) < sections.count else {
      throw SymbolsError(.malformed, path: path, expected: "a symbol table section at index \(index)")
    }
    let table = sections[index]
    return ElfSymbolTableView(
      symbols: try contents(of: table), strings: try contents(of: sections[Int(table.link)]))
  }

  /// The text symbols (those in executable sections), sorted by address, with their
  /// kallsyms sizes; and the function and object symbols as llvm-symbolizer's symbol
  /// table keeps them, sorted by address and size.
  func readSymbols() throws -> (text: [ElfSymbolEntry], sized: [ElfSymbolEntry], strings: ByteView) {
    guard let table = sections.first(where: { $0.type == ElfSection.symbolTable }) else {
      return ([], [], ByteView.empty(path))
    }
    let view = try symbolTableView(index: table.index)
    // Section facts looked up per symbol, in arrays rather than through the headers.
    let executable = sections.map(\.isExecutable)
    let bases = sections.indices.map { type == .relocatable ? address(ofSection: $0) : 0 }
    let strings = view.strings
    view.symbols.willNeed()
    strings.willNeed()
    // Both lists come from one sort of their union; `lists` marks membership
    // (1: llvm's sized table, 2: text symbols).
    var all: [ElfSymbolEntry] = []
    // The whole table is in bounds (count is its size over 24), so entries are read
    // through one pointer, without a check and a retain per field.
    view.symbols.withUnsafeBytes { raw in
      let count = min(view.count, raw.count / ElfSymbolTableView.entrySize)
      // Local symbols follow the STT_FILE symbol of their source file.
      var fileName: UInt32 = 0
      for index in 1..<max(count, 1) {
        let offset = index * ElfSymbolTableView.entrySize
        let info = raw.load(fromByteOffset: offset + 4, as: UInt8.self)
        let kind = info & 0xf
        let nameOffset = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        if kind == 4 { fileName = nameOffset }
        // STT_SECTION 3 and STT_FILE 4 name no code.
        guard kind != 3, kind != 4 else { continue }
        let sectionIndex = Int(
          UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self)))
        guard sectionIndex > 0, sectionIndex < executable.count else { continue }
        let value = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        let size = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
        let isGlobal = info >> 4 != 0
        let entry = ElfSymbolEntry(
          address: value &+ bases[sectionIndex], elfSize: size, kallsymsSize: 0, nameOffset: nameOffset,
          sectionIndex: UInt32(sectionIndex), isGlobal: isGlobal, fileName: isGlobal ? 0 : fileName,
          order: UInt32(index), lists: 0)
        let isCode = executable[sectionIndex]
        // STT_OBJECT 1 and STT_FUNC 2; STT_NOTYPE 0 in code too: assembler entry points
        // (`SYM_CODE_START`, inner labels like entry_SYSCALL_64_after_hwframe) are untyped.
        var marked = entry
        if kind == 1 || kind == 2 || (kind == 0 && isCode) { marked.lists |= 1 }
        if isCode {
          // Local labels and mapping symbols are not functions (scripts/faddr2line skips them).
          let first = (try? strings.load(Int(nameOffset), as: UInt8.self)) ?? 0
          let second = first == 0x2e ? (try? strings.load(Int(nameOffset) + 1, as: UInt8.self)) : nil
          if first != 0, first != 0x24, second != 0x4c { marked.lists |= 2 }
        }
        if marked.lists != 0 { all.append(marked) }
      }
    }
    // By address and size, ties in table order, as llvm-symbolizer's symbol table.
    all.sort {
      if $0.address != $1.address { return $0.address < $1.address }
      if $0.elfSize != $1.elfSize { return $0.elfSize < $1.elfSize }
      return $0.order < $1.order
    }
    let sized = all.filter { $0.lists & 1 != 0 }
    var text = all.filter { $0.lists & 2 != 0 }
    // Among aliases, global names first.
    var run = 0
    while run < text.count {
      var end = run + 1
      while end < text.count, text[end].address == text[run].address { end += 1 }
      if end - run > 1 { text[run..<end].sort { $0.isGlobal && !$1.isGlobal } }
      run = end
    }
    var probe = 0
    for index in text.indices {
      let symbol = text[index]
      let section = Int(symbol.sectionIndex)
      let sectionEnd = address(ofSection: section) &+ sections[section].size
      // The first symbol at a greater address ends this one (aliases share the end).
      probe = max(probe, index + 1)
      while probe < text.count, text[probe].address == symbol.address { probe += 1 }
      let end =
        probe < text.count && text[probe].sectionIndex == symbol.sectionIndex
        ? text[probe].address : max(sectionEnd, symbol.address)
      text[index].kallsymsSize = end - symbol.address
    }
    return (text, sized, strings)
  }
}

struct ElfSymbolEntry {
  var address: UInt64
  var elfSize: UInt64
  var kallsymsSize: UInt64
  var nameOffset: UInt32
  var sectionIndex: UInt32
  var isGlobal: Bool
  /// String offset of the STT_FILE name a local symbol follows, 0 for none.
  var fileName: UInt32
  /// Index in the symbol table.
  var order: UInt32
  /// Which lookup lists hold it: 1 llvm's sized table, 2 the text symbols.
  var lists: UInt8
}

/// Name and address lookups over a file's symbols. Names are read from the string
/// table only when needed; the name index is built on the first lookup by name.
public final class ElfSymbolIndex: @unchecked Sendable {
  private let text: [ElfSymbolEntry]
  private let sized: [ElfSymbolEntry]
  private let strings: ByteView
  private let lock = Lock()
  private var byName: [String: [Int]] = [:]

  public init(_ file: ElfFile) throws {
    (text, sized, strings) = try file.readSymbols()
  }

  public var count: Int { text.count }

  /// The text symbols in address order.
  public var textSymbols: [ElfSymbol] { text.map(symbol) }

  private func symbol(_ entry: ElfSymbolEntry) -> ElfSymbol {
    ElfSymbol(
      name: (try? strings.cString(at: Int(entry.nameOffset))) ?? "", address: entry.address,
      elfSize: entry.elfSize, kallsymsSize: entry.kallsymsSize, sectionIndex: Int(entry.sectionIndex),
      isGlobal: entry.isGlobal)
  }

  /// Every text symbol of that name: static functions of different files share names.
  /// A trace asks for a few dozen names, so the table is scanned comparing bytes rather
  /// than indexed whole (which would build a String for each of 150,000 symbols).
  public func symbols(named name: String) -> [ElfSymbol] {
    if let cached = lock.withLock({ byName[name] }) { return cached.map { symbol(text[$0]) } }
    let wanted = Array(name.utf8)
    var found: [Int] = []
    if let first = wanted.first {
      for (position, entry) in text.enumerated()
      where (try? strings.load(Int(entry.nameOffset), as: UInt8.self)) == first
        && strings.cStringEquals(at: Int(entry.nameOffset), wanted)
      {
        found.append(position)
      }
    }
    lock.withLock { byName[name] = found }
    return found.map { symbol(text[$0]) }
  }

  /// Resolves `name+offset/size` as the kernel printed it: among symbols of that name,
  /// the one whose kallsyms size matches `size` when it is given; the first otherwise.
  /// GCC clone suffixes are printed verbatim; Clang's `.llvm.<hash>` is stripped by newer
  /// kernels, so a name not found is retried as a prefix before such a suffix.
  public func resolve(name: String, offset: UInt64, size: UInt64?) -> ElfSymbol? {
    var candidates = symbols(named: name)
    if candidates.isEmpty {
      let prefix = Array((name + ".llvm.").utf8)
      candidates = text.filter { strings.cStringHasPrefix(at: Int($0.nameOffset), prefix) }.map(symbol)
    }
    let fitting = candidates.filter { offset < max($0.kallsymsSize, 1) || offset == 0 }
    if let size, let exact = fitting.first(where: { $0.kallsymsSize == size }) { return exact }
    return fitting.first ?? candidates.first
  }

  /// The text symbol containing `address` by kallsyms sizes (what an oops would
  /// print), preferring a global name among aliases.
  public func locate(_ address: UInt64) -> (symbol: ElfSymbol, offset: UInt64)? {
    guard let index = lastIndex(in: text, atOrBefore: address) else { return nil }
    var first = index
    while first > 0, text[first - 1].address == text[first].address { first -= 1 }
    let entry = text[first]
    guard address - entry.address < max(entry.kallsymsSize, 1) else { return nil }
    return (symbol(entry), address - entry.address)
  }

  /// The function or object symbol covering `address` by its ELF size (a size of 0
  /// reaches to the next symbol), as llvm-symbolizer's symbol table answers.
  public func symbolTableName(at address: UInt64) -> String? {
    symbolTableEntry(at: address)?.name
  }

  /// The same, with the source file its STT_FILE symbol names (for code without DWARF).
  public func symbolTableEntry(at address: UInt64) -> (name: String, file: String?)? {
    guard let index = lastIndex(in: sized, atOrBefore: address) else { return nil }
    let entry = sized[index]
    if entry.elfSize != 0, address - entry.address >= entry.elfSize { return nil }
    guard let name = try? strings.cString(at: Int(entry.nameOffset)) else { return nil }
    let file = entry.fileName == 0 ? nil : try? strings.cString(at: Int(entry.fileName))
    return (name, file?.isEmpty == false ? file : nil)
  }

  private func lastIndex(in entries: [ElfSymbolEntry], atOrBefore address: UInt64) -> Int? {
    var low = 0
    var high = entries.count
    while low < high {
      let middle = (low + high) / 2
      if entries[middle].address <= address { low = middle + 1 } else { high = middle }
    }
    return low > 0 ? low - 1 : nil
  }
}
