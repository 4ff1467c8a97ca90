/// Where the kallsyms tables are, from VMCOREINFO's `SYMBOL(kallsyms_*)` keys (Linux 6.0
/// and later, kernel/vmcore_info.c; 6.0–6.10 in kernel/crash_core.c) or a symbol map.
public struct KallsymsLocation: Sendable, Equatable {
  public var names: UInt64
  public var numSyms: UInt64
  public var tokenTable: UInt64
  public var tokenIndex: UInt64
  /// CONFIG_KALLSYMS_BASE_RELATIVE (x86_64): `int kallsyms_offsets[]` and, before 7.0,
  /// `unsigned long kallsyms_relative_base`.
  public var offsets: UInt64?
  public var relativeBase: UInt64?
  /// Otherwise `unsigned long kallsyms_addresses[]` (removed in 6.11).
  public var addresses: UInt64?
  /// The runtime address of `_stext`, which decides how offsets are encoded.
  public var stext: UInt64
  /// Whether a name's length may take two bytes: "kallsyms: support big kernel symbols"
  /// (6.1). The data cannot tell 6.0 from 6.1, so the release decides.
  public var longNames: Bool

  /// From `SYMBOL(name)` values (keys without the `SYMBOL()` wrapper) and the release.
  public init(symbols: [String: UInt64], release: String?) throws {
    func need(_ name: String) throws -> UInt64 {
      guard let value = symbols[name] else {
        throw SymbolsError(
          .missing, path: "VMCOREINFO", expected: "SYMBOL(\(name)) (Linux 6.0 and later export it)")
      }
      return value
    }
    names = try need("kallsyms_names")
    numSyms = try need("kallsyms_num_syms")
    tokenTable = try need("kallsyms_token_table")
    tokenIndex = try need("kallsyms_token_index")
    offsets = symbols["kallsyms_offsets"]
    relativeBase = symbols["kallsyms_relative_base"]
    addresses = symbols["kallsyms_addresses"]
    stext = try need("_stext")
    guard offsets != nil || addresses != nil else {
      throw SymbolsError(
        .missing, path: "VMCOREINFO", expected: "SYMBOL(kallsyms_offsets) or SYMBOL(kallsyms_addresses)")
    }
    longNames = KallsymsLocation.hasLongNames(release: release)
  }

  /// 6.1 and later, by the release's first two numbers; unknown releases get the new rule.
  static func hasLongNames(release: String?) -> Bool {
    guard let release else { return true }
    let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    guard numbers.count == 2 else { return true }
    return (numbers[0], numbers[1]) >= (6, 1)
  }
}

/// The kernel's own symbol table, decoded from memory as kernel/kallsyms.c reads it
/// (layout from scripts/kallsyms.c and kernel/kallsyms_internal.h): names compressed
/// with a 256-entry token table, addresses as offsets from a base.
public enum Kallsyms {
  /// How `kallsyms_offsets` entries become addresses.
  public enum AddressEncoding: Sendable, Equatable {
    /// `kallsyms_addresses[i]`.
    case absolute
    /// `relative_base + (u32)offset`.
    case baseRelative
    /// CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP, 4.6 to 6.14): offset >= 0 is an
    /// absolute per-CPU value, else `relative_base - 1 - offset`.
    case absolutePercpu
    /// 7.0: `&kallsyms_offsets[i] + offset`.
    case placeRelative
  }

  /// A kernel can hold a few hundred thousand symbols; more means the count is garbage.
  static let maximumSymbols: UInt64 = 4_000_000

  public static func read(
    from memory: KernelMemorySource, at location: KallsymsLocation
  ) throws -> (
    table: SymbolTable, encoding: AddressEncoding
  ) {
    let count = UInt64(try le32(memory.read(location.numSyms, count: 4)))
    guard count > 0, count <= maximumSymbols else {
      throw SymbolsError(
        .malformed, path: "kallsyms_num_syms", offset: location.numSyms,
        expected: "a symbol count, found \(count)")
    }
    let tokens = try readTokens(memory, location)
    let names = try readNames(memory, location, count: Int(count), tokens: tokens)
    let stext = Array("_stext".utf8)
    guard let stextIndex = names.lengths.indices.first(where: { names.equals($0, stext) }) else {
      throw SymbolsError(
        .malformed, path: "kallsyms_names", offset: location.names, expected: "a symbol named _stext")
    }
    let (addresses, encoding) = try readAddresses(memory, location, count: Int(count), stextIndex: stextIndex)
    // Per-CPU symbols of the absolute encoding are stored with type `A` already
    // (scripts/kallsyms.c make_percpu_relative()).
    let values = addresses.map(\.value)
    var types = names.types
    KallsymsDataTypes.correct(&types, addresses: values) { wanted in
      let bytes = Array(wanted.utf8)
      return names.lengths.indices.first { names.equals($0, bytes) }
    }
    let table = SymbolTable(
      addresses: values, types: types, nameStarts: names.starts,
      nameLengths: names.lengths,
      moduleIndices: [UInt16](repeating: 0, count: addresses.count),
      names: SymbolTable.PackedNames(names.bytes),
      moduleNames: [])
    return (table, encoding)
  }

  /// Expanded names end to end: the type letter of each, and where its name lies.
  struct Names {
    var bytes: [UInt8] = []
    var starts: [UInt32] = []
    var lengths: [UInt16] = []
    var types: [UInt8] = []

    func equals(_ index: Int, _ wanted: [UInt8]) -> Bool {
      guard Int(lengths[index]) == wanted.count else { return false }
      let start = Int(starts[index])
      return bytes[start..<start + wanted.count].elementsEqual(wanted)
    }
  }

  /// The 256 tokens: `kallsyms_token_index[b]` is the offset of token b's
  /// NUL-terminated text in `kallsyms_token_table`.
  static func readTokens(_ memory: KernelMemorySource, _ location: KallsymsLocation) throws -> [[UInt8]] {
    let index = try memory.read(location.tokenIndex, count: 512)
    let offsets = (0..<256).map { Int(index[2 * $0]) | Int(index[2 * $0 + 1]) << 8 }
    let last = offsets.max() ?? 0
    // The table ends with the last token's NUL; read up to it.
    var table = try memory.read(location.tokenTable, count: last + 1)
    while table.last != 0 {
      guard table.count < last + 4096 else {
        throw SymbolsError(
          .malformed, path: "kallsyms_token_table", offset: location.tokenTable,
          expected: "NUL-terminated tokens")
      }
      table += try memory.read(location.tokenTable + UInt64(table.count), count: 1)
    }
    return try offsets.map { start in
      guard let end = table[start...].firstIndex(of: 0) else {
        throw SymbolsError(
          .malformed, path: "kallsyms_token_table", offset: location.tokenTable + UInt64(start),
          expected: "a NUL-terminated token")
      }
      return Array(table[start..<end])
    }
  }

  /// Each name: a length in tokens (one byte; from 6.1 two when bit 7 is set, a
  /// ULEB128 of at most 14 bits), then the tokens; expanded, the first byte is the
  /// nm-style type letter.
  static func readNames(
    _ memory: KernelMemorySource, _ location: KallsymsLocation, count: Int, tokens: [[UInt8]]
  )
    throws -> Names
  {
    var reader = ChunkedMemory(memory: memory, address: location.names)
    var names = Names()
    names.starts.reserveCapacity(count)
    names.lengths.reserveCapacity(count)
    names.types.reserveCapacity(count)
    names.bytes.reserveCapacity(count * 24)
    // The tokens laid end to end, so that expanding a name copies bytes out of one
    // buffer instead of retaining an array per token.
    var flat: [UInt8] = []
    var starts: [Int] = []
    for token in tokens {
      starts.append(flat.count)
      flat += token
    }
    starts.append(flat.count)
    // Bytes copied through a buffer pointer: a slice of `flat` per token retained and
    // released its storage each time (15% of `coroner ps`'s profile on a 6.1 dump).
    try flat.withUnsafeBufferPointer { tokenBytes in
      for index in 0..<count {
        var length = Int(try reader.byte())
        if location.longNames, length & 0x80 != 0 {
          length = (length & 0x7f) | Int(try reader.byte()) << 7
        }
        guard length > 0 else {
          throw SymbolsError(
            .malformed, path: "kallsyms_names", offset: reader.address,
            expected: "a name length above 0 (symbol \(index))")
        }
        let start = names.bytes.count
        for _ in 0..<length {
          let token = Int(try reader.byte())
          guard token + 1 < starts.count else { continue }
          for offset in starts[token]..<starts[token + 1] { names.bytes.append(tokenBytes[offset]) }
        }
        guard names.bytes.count > start else {
          throw SymbolsError(
            .malformed, path: "kallsyms_names", offset: reader.address,
            expected: "a type letter (symbol \(index))")
        }
        // The first expanded byte is the type letter; the name follows it.
        names.types.append(names.bytes[start])
        names.starts.append(UInt32(truncatingIfNeeded: start + 1))
        names.lengths.append(UInt16(truncatingIfNeeded: min(names.bytes.count - start - 1, Int(UInt16.max))))
      }
    }
    return names
  }

  /// All addresses, in the encoding that puts `_stext` where VMCOREINFO says it is.
  static func readAddresses(
    _ memory: KernelMemorySource, _ location: KallsymsLocation, count: Int, stextIndex: Int
  )
    throws -> ([(value: UInt64, percpu: Bool)], AddressEncoding)
  {
    if let table = location.addresses, location.offsets == nil {
      let bytes = try memory.read(table, count: 8 * count)
      let values = (0..<count).map { (le64(bytes, at: 8 * $0), false) }
      guard values[stextIndex].0 == location.stext else {
        throw SymbolsError(
          .malformed, path: "kallsyms_addresses", offset: table,
          expected: "_stext at 0x\(String(location.stext, radix: 16))")
      }
      return (values, .absolute)
    }
    guard let offsetsAddress = location.offsets else {
      throw SymbolsError(.missing, path: "VMCOREINFO", expected: "SYMBOL(kallsyms_offsets)")
    }
    let bytes = try memory.read(offsetsAddress, count: 4 * count)
    let base = try location.relativeBase.map { try le64(memory.read($0, count: 8), at: 0) }
    func decode(_ index: Int, _ encoding: AddressEncoding) -> (UInt64, Bool)? {
      let raw = le32(bytes, at: 4 * index)
      let signed = Int64(Int32(bitPattern: raw))
      switch encoding {
      case .baseRelative: return base.map { ($0 &+ UInt64(raw), false) }
      case .absolutePercpu:
        guard let base else { return nil }
        return signed >= 0 ? (UInt64(signed), true) : (base &- 1 &- UInt64(bitPattern: signed), false)
      case .placeRelative:
        return (offsetsAddress &+ UInt64(4 * index) &+ UInt64(bitPattern: signed), false)
      case .absolute: return nil
      }
    }
    for encoding in [AddressEncoding.absolutePercpu, .baseRelative, .placeRelative]
    where decode(stextIndex, encoding)?.0 == location.stext {
      return (
        (0..<count).map { decode($0, encoding).map { (value: $0.0, percpu: $0.1) } ?? (0, false) }, encoding
      )
    }
    throw SymbolsError(
      .malformed, path: "kallsyms_offsets", offset: offsetsAddress,
      expected: "an encoding that puts _stext at 0x\(String(location.stext, radix: 16))")
  }
}

/// Sequential reads of a table of unknown length, fetched in pages.
struct ChunkedMemory {
  let memory: KernelMemorySource
  var address: UInt64
  private var buffer: [UInt8] = []
  private var position = 0

  init(memory: KernelMemorySource, address: UInt64) {
    self.memory = memory
    self.address = address
  }

  mutating func byte() throws -> UInt8 {
    if position == buffer.count {
      // Up to the next 4 KiB boundary, so a read never crosses into an unmapped page.
      let chunk = Int(4096 - address % 4096)
      buffer = try memory.read(address, count: chunk)
      position = 0
    }
    let value = buffer[position]
    position += 1
    address += 1
    return value
  }
}

@inline(__always)
func le32(_ bytes: [UInt8], at offset: Int = 0) -> UInt32 {
  guard offset >= 0, offset + 4 <= bytes.count else { return 0 }
  return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
    | UInt32(bytes[offset + 3]) << 24
}

@inline(__always)
func le64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
  UInt64(le32(bytes, at: offset)) | UInt64(le32(bytes, at: offset + 4)) << 32
}
