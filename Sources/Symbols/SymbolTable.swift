/// A kernel symbol: what `System.map`, `nm` and `/proc/kallsyms` list one per line.
public struct KernelSymbol: Sendable, Hashable {
  public var address: UInt64
  /// The `nm` type letter: `T`/`t` text, `D`/`d` data, `B`/`b` bss, `R`/`r` rodata...
  public var type: Character
  public var name: String
  /// The module that owns the symbol (`[ext4]` in /proc/kallsyms), nil for vmlinux.
  public var module: String?

  public init(address: UInt64, type: Character, name: String, module: String? = nil) {
    self.address = address
    self.type = type
    self.name = name
    self.module = module
  }

  /// Text symbols are the ones a return address can land in.
  public var isText: Bool { type == "T" || type == "t" || type == "W" || type == "w" }
}

/// Where an address falls: the symbol that contains it, the offset into it and, when
/// the next symbol is known, its size — the `func+0x1a/0x40` of an oops trace.
public struct SymbolLocation: Sendable, Hashable, CustomStringConvertible {
  public var symbol: KernelSymbol
  public var offset: UInt64
  public var size: UInt64?

  public var description: String {
    var text = symbol.name + "+0x" + String(offset, radix: 16)
    if let size { text += "/0x" + String(size, radix: 16) }
    if let module = symbol.module { text += " [\(module)]" }
    return text
  }
}

/// Symbols sorted by address, for address-to-name lookups by binary search.
///
/// The size of a symbol is the distance to the next one, as the kernel's own
/// `kallsyms_lookup_size_offset()` (kernel/kallsyms.c) computes it: neither System.map
/// nor kallsyms records sizes.
public struct SymbolTable: Sendable {
  public private(set) var symbols: [KernelSymbol]

  public init(_ symbols: [KernelSymbol]) {
    // kallsyms and System.map come sorted by address: then only the runs of equal
    // addresses need ordering by name, which spares moving every symbol in a sort.
    var sortedByAddress = true
    for index in symbols.indices.dropFirst() where symbols[index - 1].address > symbols[index].address {
      sortedByAddress = false
      break
    }
    guard sortedByAddress else {
      self.symbols = symbols.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
      return
    }
    var result = symbols
    var start = 0
    while start < result.count {
      var end = start + 1
      while end < result.count, result[end].address == result[start].address { end += 1 }
      if end - start > 1 { result[start..<end].sort { $0.name < $1.name } }
      start = end
    }
    self.symbols = result
  }

  public var isEmpty: Bool { symbols.isEmpty }
  public var count: Int { symbols.count }

  /// The same table with every address moved by `offset`: System.map is linked at
  /// the default base, a running kernel sits at base + KASLR offset (`KERNELOFFSET=`
  /// in VMCOREINFO, or the log's `Kernel Offset: 0x... from 0xffffffff81000000`).
  public func relocated(by offset: Int64) -> SymbolTable {
    SymbolTable(
      symbols.map {
        var symbol = $0
        symbol.address = UInt64(bitPattern: Int64(bitPattern: $0.address) &+ offset)
        return symbol
      })
  }

  /// The symbol named `name`, if any (the first one when names repeat, as static
  /// functions of several files do).
  public func address(of name: String) -> UInt64? {
    symbols.first { $0.name == name }?.address
  }

  /// The text symbol containing `address`, or nil when it lies before the first
  /// symbol or past the last one.
  public func locate(_ address: UInt64) -> SymbolLocation? { locate(address, lastEndingAt: nil) }

  /// The symbol containing a code address: as `locate`, with a module's last function,
  /// when it is the table's last symbol, bounded by the end of its page. A module's text
  /// is whole pages from 6.4 on (its `module_memory` is page-aligned): the kernel prints
  /// such a frame `det_hung_thread+0xe/0xfa0 [det_hung]`, the size reaching the page end.
  public func locateCode(_ address: UInt64) -> SymbolLocation? {
    if let found = locate(address) { return found }
    guard let last = symbols.last, last.module != nil, last.isText, address >= last.address else {
      return nil
    }
    return locate(address, lastEndingAt: (last.address | 0xfff) &+ 1)
  }

  /// As `locate`, with `end` bounding the table's last symbol: a module's last function
  /// ends with the module's text (kernel/module/kallsyms.c find_kallsyms_symbol()), which
  /// the caller knows from the module's layout, not from any symbol.
  public func locate(_ address: UInt64, lastEndingAt end: UInt64?) -> SymbolLocation? {
    // Index of the last symbol whose address is <= the address.
    var low = 0
    var high = symbols.count
    while low < high {
      let middle = (low + high) / 2
      if symbols[middle].address <= address { low = middle + 1 } else { high = middle }
    }
    guard low > 0 else { return nil }
    var index = low - 1
    // Several names can share an address (aliases); prefer a global one.
    while index > 0, symbols[index - 1].address == symbols[index].address,
      symbols[index].type.isLowercase
    {
      index -= 1
    }
    let symbol = symbols[index]
    var next = low
    while next < symbols.count, symbols[next].address == symbol.address { next += 1 }
    let size =
      next < symbols.count
      ? symbols[next].address - symbol.address
      : end.flatMap { $0 > symbol.address ? $0 - symbol.address : nil }
    if let size, address - symbol.address >= size { return nil }
    if size == nil { return nil }  // past the last symbol: no end to bound it
    return SymbolLocation(symbol: symbol, offset: address - symbol.address, size: size)
  }
}
