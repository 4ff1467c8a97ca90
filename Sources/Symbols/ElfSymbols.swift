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

  /// The text symbols (those in executable sections), sorted by address.
  public func textSymbols() throws -> [ElfSymbol] {
    guard let table = sections.first(where: { $0.type == ElfSection.symbolTable }) else { return [] }
    let view = try symbolTableView(index: table.index)
    var symbols: [ElfSymbol] = []
    for index in 1..<max(view.count, 1) {
      let offset = index * ElfSymbolTableView.entrySize
      let info = try view.symbols.load(offset + 4, as: UInt8.self)
      let kind = info & 0xf
      // STT_SECTION 3 and STT_FILE 4 are not code.
      guard kind != 3, kind != 4 else { continue }
      let sectionIndex = Int(try view.symbols.load(offset + 6, as: UInt16.self))
      guard sectionIndex > 0, sectionIndex < sections.count, sections[sectionIndex].isExecutable else { continue }
      let nameOffset = Int(try view.symbols.load(offset, as: UInt32.self))
      let name = try view.strings.cString(at: nameOffset)
      // Local labels and mapping symbols are not functions (scripts/faddr2line skips them).
      if name.isEmpty || name.hasPrefix(".L") || name.hasPrefix("$") || name.hasPrefix("L0") { continue }
      symbols.append(
        ElfSymbol(
          name: name, address: try view.value(ofSymbol: index, in: self),
          elfSize: try view.symbols.load(offset + 16, as: UInt64.self), kallsymsSize: 0,
          sectionIndex: sectionIndex, isGlobal: info >> 4 != 0))
    }
    symbols.sort { ($0.address, $0.isGlobal ? 0 : 1) < ($1.address, $1.isGlobal ? 0 : 1) }
    var probe = 0
    for index in symbols.indices {
      let symbol = symbols[index]
      let sectionEnd = address(ofSection: symbol.sectionIndex) &+ sections[symbol.sectionIndex].size
      // The first symbol at a greater address ends this one (aliases share the end).
      probe = max(probe, index + 1)
      while probe < symbols.count, symbols[probe].address == symbol.address { probe += 1 }
      let end =
        probe < symbols.count && symbols[probe].sectionIndex == symbol.sectionIndex
        ? symbols[probe].address : max(sectionEnd, symbol.address)
      symbols[index].kallsymsSize = end - symbol.address
    }
    return symbols
  }
}

/// Name and address lookups over a file's text symbols.
public struct ElfSymbolIndex: Sendable {
  public let symbols: [ElfSymbol]
  private let byName: [String: [Int]]

  public init(_ file: ElfFile) throws {
    self.init(symbols: try file.textSymbols())
  }

  init(symbols: [ElfSymbol]) {
    self.symbols = symbols
    var byName: [String: [Int]] = [:]
    byName.reserveCapacity(symbols.count)
    for (index, symbol) in symbols.enumerated() { byName[symbol.name, default: []].append(index) }
    self.byName = byName
  }

  /// Every text symbol of that name: static functions of different files share names.
  public func symbols(named name: String) -> [ElfSymbol] {
    byName[name, default: []].map { symbols[$0] }
  }

  /// Resolves `name+offset/size` as the kernel printed it: among symbols of that name,
  /// the one whose kallsyms size matches `size` when it is given; the first otherwise.
  /// GCC clone suffixes are printed verbatim; Clang's `.llvm.<hash>` is stripped by newer
  /// kernels, so a name not found is retried as a prefix before such a suffix.
  public func resolve(name: String, offset: UInt64, size: UInt64?) -> ElfSymbol? {
    var candidates = symbols(named: name)
    if candidates.isEmpty {
      candidates = symbols.filter { $0.name.hasPrefix(name + ".llvm.") }
    }
    let fitting = candidates.filter { offset < max($0.kallsymsSize, 1) || offset == 0 }
    if let size, let exact = fitting.first(where: { $0.kallsymsSize == size }) { return exact }
    return fitting.first ?? candidates.first
  }

  /// The symbol containing `address`, preferring a global name among aliases.
  public func locate(_ address: UInt64) -> (symbol: ElfSymbol, offset: UInt64)? {
    var low = 0
    var high = symbols.count
    while low < high {
      let middle = (low + high) / 2
      if symbols[middle].address <= address { low = middle + 1 } else { high = middle }
    }
    guard low > 0 else { return nil }
    var index = low - 1
    while index > 0, symbols[index - 1].address == symbols[index].address { index -= 1 }
    let symbol = symbols[index]
    guard address - symbol.address < max(symbol.kallsymsSize, 1) else { return nil }
    return (symbol, address - symbol.address)
  }
}
