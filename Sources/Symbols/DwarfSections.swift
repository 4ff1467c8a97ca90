import Bytes

/// The debug sections of one object, and the indexed reads that DWARF 5 spreads over
/// them: `.debug_str_offsets`, `.debug_addr`, `.debug_rnglists` (DWARF 5 sections 7.26
/// to 7.29) and DWARF 4's `.debug_ranges`.
struct DwarfSections {
  let info: ByteView
  let abbrev: ByteView
  let str: ByteView
  let lineStr: ByteView
  let strOffsets: ByteView
  let addr: ByteView
  let ranges: ByteView
  let rnglists: ByteView
  let line: ByteView
  let aranges: ByteView

  init(_ file: ElfFile) throws {
    info = try file.contents(ofSectionNamed: ".debug_info")
    abbrev = try file.contents(ofSectionNamed: ".debug_abbrev")
    str = try file.contents(ofSectionNamed: ".debug_str")
    lineStr = try file.contents(ofSectionNamed: ".debug_line_str")
    strOffsets = try file.contents(ofSectionNamed: ".debug_str_offsets")
    addr = try file.contents(ofSectionNamed: ".debug_addr")
    ranges = try file.contents(ofSectionNamed: ".debug_ranges")
    rnglists = try file.contents(ofSectionNamed: ".debug_rnglists")
    line = try file.contents(ofSectionNamed: ".debug_line")
    aranges = try file.contents(ofSectionNamed: ".debug_aranges")
  }

  /// A string attribute of a DIE of `unit`.
  func string(_ value: DwarfFormValue, unit: DwarfUnit) throws -> String? {
    switch value.form {
    case DW.Form.string: return try info.cString(at: Int(value.value))
    case DW.Form.strp: return try str.cString(at: Int(clamping: value.value))
    case DW.Form.lineStrp: return try lineStr.cString(at: Int(clamping: value.value))
    case DW.Form.strx, DW.Form.strx1, DW.Form.strx2, DW.Form.strx3, DW.Form.strx4, DW.Form.gnuStrIndex:
      let base = unit.strOffsetsBase ?? UInt64(unit.offsetSize == 8 ? 16 : 8)
      let entry = base &+ value.value &* UInt64(unit.offsetSize)
      guard entry < UInt64(strOffsets.count) else {
        throw SymbolsError(
          .truncated, path: strOffsets.name, offset: entry, expected: "string index \(value.value)")
      }
      var cursor = ByteCursor(strOffsets, at: Int(entry))
      return try str.cString(at: Int(clamping: try cursor.unsigned(size: unit.offsetSize)))
    default: return nil
    }
  }

  /// An address attribute: direct, or an index into `.debug_addr` from `DW_AT_addr_base`.
  func address(_ value: DwarfFormValue, unit: DwarfUnit) throws -> UInt64 {
    guard value.form != DW.Form.addr else { return value.value }
    let base = unit.addrBase ?? 8
    let entry = base &+ value.value &* UInt64(unit.addressSize)
    guard entry < UInt64(addr.count) else {
      throw SymbolsError(.truncated, path: addr.name, offset: entry, expected: "address index \(value.value)")
    }
    var cursor = ByteCursor(addr, at: Int(entry))
    return try cursor.unsigned(size: unit.addressSize)
  }

  /// The address ranges of a DIE with these `low_pc`/`high_pc`/`ranges` values.
  func ranges(
    lowPC: DwarfFormValue?, highPC: DwarfFormValue?, ranges: DwarfFormValue?, unit: DwarfUnit,
    into output: inout [AddressRange]
  ) throws {
    if let ranges {
      if unit.version >= 5 {
        try rangeList(ranges, unit: unit, into: &output)
      } else {
        try legacyRanges(at: ranges.value, unit: unit, into: &output)
      }
      return
    }
    guard let lowPC, let highPC else { return }
    let low = try address(lowPC, unit: unit)
    // DWARF 4 section 2.17.2: a constant-class high_pc is an offset from low_pc.
    let high = highPC.isAddressForm ? try address(highPC, unit: unit) : low &+ highPC.value
    if high > low { output.append(AddressRange(low: low, high: high)) }
  }

  /// DWARF 2 to 4 `.debug_ranges`: address pairs ending with (0, 0); (-1, base)
  /// changes the base address.
  private func legacyRanges(at offset: UInt64, unit: DwarfUnit, into output: inout [AddressRange]) throws {
    guard offset < UInt64(ranges.count) else {
      throw SymbolsError(.truncated, path: ranges.name, offset: offset, expected: "a range list")
    }
    var cursor = ByteCursor(ranges, at: Int(offset))
    var base = unit.baseAddress
    let allOnes: UInt64 = unit.addressSize == 8 ? .max : 0xffff_ffff
    while true {
      let start = try cursor.unsigned(size: unit.addressSize)
      let end = try cursor.unsigned(size: unit.addressSize)
      if start == 0 && end == 0 { return }
      if start == allOnes {
        base = end
        continue
      }
      if end > start { output.append(AddressRange(low: base &+ start, high: base &+ end)) }
    }
  }

  /// DWARF 5 `.debug_rnglists` entries (section 7.25), reached by offset or by
  /// DW_FORM_rnglistx through the offsets table at `DW_AT_rnglists_base`.
  private func rangeList(_ value: DwarfFormValue, unit: DwarfUnit, into output: inout [AddressRange]) throws {
    var offset = value.value
    if value.form == DW.Form.rnglistx {
      let base = unit.rnglistsBase ?? UInt64(unit.offsetSize == 8 ? 20 : 12)
      var table = ByteCursor(rnglists, at: Int(clamping: base &+ value.value &* UInt64(unit.offsetSize)))
      offset = base &+ (try table.unsigned(size: unit.offsetSize))
    }
    guard offset < UInt64(rnglists.count) else {
      throw SymbolsError(.truncated, path: rnglists.name, offset: offset, expected: "a range list")
    }
    var cursor = ByteCursor(rnglists, at: Int(offset))
    var base = unit.baseAddress
    func indexed(_ index: UInt64) throws -> UInt64 {
      try address(DwarfFormValue(form: DW.Form.addrx, value: index), unit: unit)
    }
    func add(_ low: UInt64, _ high: UInt64) {
      if high > low { output.append(AddressRange(low: low, high: high)) }
    }
    while true {
      let kind = try cursor.u8()
      switch kind {
      case 0: return
      case 1: base = try indexed(try cursor.uleb())
      case 2:
        let start = try indexed(try cursor.uleb())
        add(start, try indexed(try cursor.uleb()))
      case 3:
        let start = try indexed(try cursor.uleb())
        add(start, start &+ (try cursor.uleb()))
      case 4:
        let start = try cursor.uleb()
        add(base &+ start, base &+ (try cursor.uleb()))
      case 5: base = try cursor.unsigned(size: unit.addressSize)
      case 6:
        let start = try cursor.unsigned(size: unit.addressSize)
        add(start, try cursor.unsigned(size: unit.addressSize))
      case 7:
        let start = try cursor.unsigned(size: unit.addressSize)
        add(start, start &+ (try cursor.uleb()))
      default:
        throw cursor.error("a DW_RLE_* entry kind 0 to 7, found \(kind)")
      }
    }
  }
}

/// `[low, high)`.
public struct AddressRange: Sendable, Hashable {
  public var low: UInt64
  public var high: UInt64

  @inline(__always)
  public func contains(_ address: UInt64) -> Bool { address >= low && address < high }
}
