/// One object to symbolize against (vmlinux or a module): its ELF symbols for
/// `func+off` and its DWARF for lines and inline chains, both read lazily.
public final class DebugObject: @unchecked Sendable {
  public let file: ElfFile
  public let dwarf: DwarfContext
  private let lock = Lock()
  private var symbolIndex: ElfSymbolIndex?

  public init(path: String) throws {
    file = try ElfFile(path: path)
    dwarf = try DwarfContext(file)
  }

  public var path: String { file.path }

  public func symbols() throws -> ElfSymbolIndex {
    try lock.withLock {
      if let symbolIndex { return symbolIndex }
      let index = try ElfSymbolIndex(file)
      symbolIndex = index
      return index
    }
  }

  /// The inline chain at `address` (an address of this file, not a runtime one),
  /// innermost first. The outermost frame is named by the ELF symbol covering the
  /// address when there is one (`foo.cold`, `foo.constprop.0`: the name kallsyms
  /// prints), as llvm-symbolizer does; DWARF names the inlined frames.
  public func frames(at address: UInt64) throws -> [SourceFrame] {
    var frames = try dwarf.frames(at: address)
    guard let (name, file) = try symbols().symbolTableEntry(at: address) else { return frames }
    if frames.isEmpty {
      frames.append(SourceFrame(function: name, file: file, line: 0, column: 0, inlined: false))
    } else {
      frames[frames.count - 1].function = name
      if frames[frames.count - 1].file == nil { frames[frames.count - 1].file = file }
    }
    return frames
  }

  /// Resolves a frame printed as `name+0xOFF/0xSIZE`. A return address is looked up one
  /// byte earlier so that a call at the very end of a function (to a noreturn callee)
  /// is attributed to its caller's line (the kernel's `%pB`, sprint_backtrace()).
  public func resolve(
    name: String, offset: UInt64, size: UInt64?, isReturnAddress: Bool
  ) throws -> ResolvedFrame? {
    guard let symbol = try symbols().resolve(name: name, offset: offset, size: size) else { return nil }
    let address = symbol.address &+ offset
    let lookup = isReturnAddress && offset > 0 ? address - 1 : address
    return ResolvedFrame(
      symbol: symbol, address: address, lookupAddress: lookup, source: try frames(at: lookup))
  }
}

/// A `func+off` frame resolved in a debug object.
public struct ResolvedFrame: Sendable {
  public var symbol: ElfSymbol
  /// The address of `func+off` in the object.
  public var address: UInt64
  /// The address looked up: `address - 1` for return addresses.
  public var lookupAddress: UInt64
  /// Innermost first; the last one is the function the symbol names.
  public var source: [SourceFrame]
}
