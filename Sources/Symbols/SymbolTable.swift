import KernelLog

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
    StackFrame(function: symbol.name, offset: offset, size: size, module: symbol.module).printed
  }
}

/// Symbols sorted by address, for address-to-name lookups by binary search.
///
/// The size of a symbol is the distance to the next one, as the kernel's own
/// `kallsyms_lookup_size_offset()` (kernel/kallsyms.c) computes it: neither System.map
/// nor kallsyms records sizes.
///
/// Names are kept packed, as bytes end to end, and become strings only for the
/// symbols asked for: a kernel has a couple of hundred thousand symbols, and a dump
/// reader names a few hundred frames and looks up a few dozen globals, so making a
/// `String` of every name was a third of `coroner ps`.
public struct SymbolTable: Sendable {
  /// Sorted by address, equal addresses by name.
  let addresses: [UInt64]
  let types: [UInt8]
  /// Where each name lies in `names.bytes`.
  let nameStarts: [UInt32]
  let nameLengths: [UInt16]
  /// 0 for vmlinux, else an index + 1 into `moduleNames`.
  let moduleIndices: [UInt16]
  let names: PackedNames
  let moduleNames: [String]

  /// The name bytes of every symbol, shared by copies and relocated tables.
  final class PackedNames: Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
  }

  /// A table of unsorted, packed entries: sorts them by (address, name).
  init(
    addresses: [UInt64], types: [UInt8], nameStarts: [UInt32], nameLengths: [UInt16], moduleIndices: [UInt16],
    names: PackedNames, moduleNames: [String]
  ) {
    let count = addresses.count
    let bytes = names.bytes
    func nameLess(_ left: Int, _ right: Int) -> Bool {
      let a = Int(nameStarts[left])
      let b = Int(nameStarts[right])
      let lengthA = Int(nameLengths[left])
      let lengthB = Int(nameLengths[right])
      for offset in 0..<min(lengthA, lengthB) where bytes[a + offset] != bytes[b + offset] {
        return bytes[a + offset] < bytes[b + offset]
      }
      return lengthA < lengthB
    }
    // kallsyms and System.map come sorted by address: then only the runs of equal
    // addresses need ordering by name, which spares a sort of every entry.
    var order = Array(0..<count)
    var sortedByAddress = true
    for index in addresses.indices.dropFirst() where addresses[index - 1] > addresses[index] {
      sortedByAddress = false
      break
    }
    if !sortedByAddress {
      order.sort { addresses[$0] != addresses[$1] ? addresses[$0] < addresses[$1] : nameLess($0, $1) }
    } else {
      var start = 0
      while start < count {
        var end = start + 1
        while end < count, addresses[end] == addresses[start] { end += 1 }
        if end - start > 1 { order[start..<end].sort(by: nameLess) }
        start = end
      }
    }
    if order.enumerated().allSatisfy({ $0.offset == $0.element }) {
      self.addresses = addresses
      self.types = types
      self.nameStarts = nameStarts
      self.nameLengths = nameLengths
      self.moduleIndices = moduleIndices
    } else {
      self.addresses = order.map { addresses[$0] }
      self.types = order.map { types[$0] }
      self.nameStarts = order.map { nameStarts[$0] }
      self.nameLengths = order.map { nameLengths[$0] }
      self.moduleIndices = order.map { moduleIndices[$0] }
    }
    self.names = names
    self.moduleNames = moduleNames
  }

  public init(_ symbols: [KernelSymbol]) {
    var bytes: [UInt8] = []
    var starts: [UInt32] = []
    var lengths: [UInt16] = []
    var modules: [UInt16] = []
    var moduleNames: [String] = []
    var moduleIndex: [String: UInt16] = [:]
    starts.reserveCapacity(symbols.count)
    lengths.reserveCapacity(symbols.count)
    modules.reserveCapacity(symbols.count)
    for symbol in symbols {
      let name = symbol.name.utf8.prefix(Int(UInt16.max))
      starts.append(UInt32(truncatingIfNeeded: bytes.count))
      lengths.append(UInt16(name.count))
      bytes += name
      if let module = symbol.module {
        if let index = moduleIndex[module] {
          modules.append(index)
        } else {
          moduleNames.append(module)
          let index = UInt16(truncatingIfNeeded: moduleNames.count)
          moduleIndex[module] = index
          modules.append(index)
        }
      } else {
        modules.append(0)
      }
    }
    self.init(
      addresses: symbols.map(\.address), types: symbols.map { $0.type.asciiValue ?? 0x3F },
      nameStarts: starts,
      nameLengths: lengths, moduleIndices: modules, names: PackedNames(bytes), moduleNames: moduleNames)
  }

  /// This table's entries and another's in one table (vmlinux's and its modules').
  public func merged(with other: SymbolTable) -> SymbolTable {
    let base = UInt32(truncatingIfNeeded: names.bytes.count)
    let moduleBase = UInt16(truncatingIfNeeded: moduleNames.count)
    return SymbolTable(
      addresses: addresses + other.addresses, types: types + other.types,
      nameStarts: nameStarts + other.nameStarts.map { $0 &+ base },
      nameLengths: nameLengths + other.nameLengths,
      moduleIndices: moduleIndices + other.moduleIndices.map { $0 == 0 ? 0 : $0 &+ moduleBase },
      names: PackedNames(names.bytes + other.names.bytes), moduleNames: moduleNames + other.moduleNames)
  }

  public var isEmpty: Bool { addresses.isEmpty }
  public var count: Int { addresses.count }

  /// Every symbol, made now: for callers that list them all (tests, comparisons).
  public var symbols: [KernelSymbol] { addresses.indices.map(symbol(at:)) }

  /// The entry at `index` of the sorted table.
  public func symbol(at index: Int) -> KernelSymbol {
    KernelSymbol(
      address: addresses[index], type: Character(Unicode.Scalar(types[index])), name: name(at: index),
      module: moduleIndices[index] == 0 ? nil : moduleNames[Int(moduleIndices[index]) - 1])
  }

  func name(at index: Int) -> String {
    let start = Int(nameStarts[index])
    return String(decoding: names.bytes[start..<start + Int(nameLengths[index])], as: UTF8.self)
  }

  /// Whether the name of entry `index` is `wanted`, without making a string.
  func nameEquals(_ index: Int, _ wanted: [UInt8]) -> Bool {
    guard Int(nameLengths[index]) == wanted.count else { return false }
    let start = Int(nameStarts[index])
    return names.bytes.withUnsafeBufferPointer { buffer in
      wanted.withUnsafeBufferPointer { name in
        memcmp(buffer.baseAddress! + start, name.baseAddress!, wanted.count) == 0
      }
    }
  }

  func isText(at index: Int) -> Bool {
    let type = types[index]
    return type == 0x54 || type == 0x74 || type == 0x57 || type == 0x77  // T t W w
  }

  /// The same table with every address moved by `offset`: System.map is linked at
  /// the default base, a running kernel sits at base + KASLR offset (`KERNELOFFSET=`
  /// in VMCOREINFO, or the log's `Kernel Offset: 0x... from 0xffffffff81000000`).
  public func relocated(by offset: Int64) -> SymbolTable {
    SymbolTable(
      addresses: addresses.map { UInt64(bitPattern: Int64(bitPattern: $0) &+ offset) }, types: types,
      nameStarts: nameStarts, nameLengths: nameLengths, moduleIndices: moduleIndices, names: names,
      moduleNames: moduleNames)
  }

  /// The symbol named `name`, if any (the first one when names repeat, as static
  /// functions of several files do).
  public func address(of name: String) -> UInt64? {
    index(of: name, where: { _ in true }).map { addresses[$0] }
  }

  /// The first entry named `name` that `accept` takes (given its index).
  public func index(of name: String, where accept: (Int) -> Bool) -> Int? {
    let wanted = Array(name.utf8)
    for index in addresses.indices where nameEquals(index, wanted) && accept(index) { return index }
    return nil
  }

  /// The vmlinux (not module) symbols among `names`, each with its first address, in
  /// one pass that makes no string of the names it skips.
  public func vmlinuxAddresses(of names: Set<String>) -> [String: UInt64] {
    var byLength: [Int: [[UInt8]]] = [:]
    for name in names { byLength[name.utf8.count, default: []].append(Array(name.utf8)) }
    var found: [String: UInt64] = [:]
    for index in addresses.indices where moduleIndices[index] == 0 {
      guard let candidates = byLength[Int(nameLengths[index])] else { continue }
      for wanted in candidates where nameEquals(index, wanted) {
        let name = String(decoding: wanted, as: UTF8.self)
        if found[name] == nil { found[name] = addresses[index] }
      }
    }
    return found
  }

  /// Whether entry `index` is a text symbol that belongs to vmlinux (for callers
  /// that filter `index(of:where:)`).
  public func isVmlinuxText(at index: Int) -> Bool { moduleIndices[index] == 0 && isText(at: index) }
  public func isVmlinuxData(at index: Int) -> Bool { moduleIndices[index] == 0 && !isText(at: index) }

  /// The text symbol containing `address`, or nil when it lies before the first
  /// symbol or past the last one.
  public func locate(_ address: UInt64) -> SymbolLocation? { locate(address, lastEndingAt: nil) }

  /// The symbol containing a code address: as `locate`, with a module's last function,
  /// when it is the table's last symbol, bounded by the end of its page. A module's text
  /// is whole pages from 6.4 on (its `module_memory` is page-aligned): the kernel prints
  /// such a frame `det_hung_thread+0xe/0xfa0 [det_hung]`, the size reaching the page end.
  public func locateCode(_ address: UInt64) -> SymbolLocation? {
    if let found = locate(address) { return found }
    guard let last = addresses.indices.last, moduleIndices[last] != 0, isText(at: last),
      address >= addresses[last]
    else { return nil }
    return locate(address, lastEndingAt: (addresses[last] | 0xfff) &+ 1)
  }

  /// As `locate`, with `end` bounding the table's last symbol: a module's last function
  /// ends with the module's text (kernel/module/kallsyms.c find_kallsyms_symbol()), which
  /// the caller knows from the module's layout, not from any symbol.
  public func locate(_ address: UInt64, lastEndingAt end: UInt64?) -> SymbolLocation? {
    // Index of the last symbol whose address is <= the address.
    var low = 0
    var high = addresses.count
    while low < high {
      let middle = (low + high) / 2
      if addresses[middle] <= address { low = middle + 1 } else { high = middle }
    }
    guard low > 0 else { return nil }
    var index = low - 1
    // Several names can share an address (aliases); prefer a global one.
    while index > 0, addresses[index - 1] == addresses[index], isLowercase(types[index]) {
      index -= 1
    }
    let start = addresses[index]
    var next = low
    while next < addresses.count, addresses[next] == start { next += 1 }
    let size =
      next < addresses.count ? addresses[next] - start : end.flatMap { $0 > start ? $0 - start : nil }
    guard let size else { return nil }  // past the last symbol: no end to bound it
    if address - start >= size { return nil }
    return SymbolLocation(symbol: symbol(at: index), offset: address - start, size: size)
  }

  func isLowercase(_ type: UInt8) -> Bool { type >= 0x61 && type <= 0x7A }
}
