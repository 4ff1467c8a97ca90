import Bytes

/// A unit header of `.debug_info` (DWARF 2 to 5, section 7.5.1) and what its root DIE
/// says about the rest: bases for indexed forms, the line program, the build directory.
struct DwarfUnit {
  static let typeCompile: UInt8 = 1
  static let typeSkeleton: UInt8 = 4
  static let typeSplitCompile: UInt8 = 5

  /// Offset of the unit header in `.debug_info`.
  let offset: UInt64
  /// Offset just past the unit.
  let end: Int
  let version: UInt16
  let unitType: UInt8
  let addressSize: Int
  private(set) var offsetSize: Int
  let abbreviationOffset: UInt64
  /// Offset of the root DIE.
  let firstEntry: Int

  // From the root DIE.
  var tag: UInt64 = 0
  var name: String?
  var compDir: String = ""
  var stmtList: UInt64?
  /// The base address for `.debug_ranges`, location lists and DW_RLE_offset_pair.
  var baseAddress: UInt64 = 0
  var strOffsetsBase: UInt64?
  var addrBase: UInt64?
  var rnglistsBase: UInt64?
  var rangesValue: DwarfFormValue?
  var lowPC: DwarfFormValue?
  var highPC: DwarfFormValue?

  /// Reads the header at `offset`; `view` is `.debug_info`.
  init(_ view: ByteView, at offset: Int) throws {
    var cursor = ByteCursor(view, at: offset)
    var length = UInt64(try cursor.u32())
    var offsetSize = 4
    if length == 0xffff_ffff {
      length = try cursor.u64()
      offsetSize = 8
    } else if length >= 0xffff_fff0 {
      throw cursor.error("a unit length below 0xfffffff0 (reserved value \(length))")
    }
    guard length <= UInt64(cursor.remaining) else {
      throw SymbolsError(
        .truncated, path: view.name, offset: UInt64(offset), expected: "a unit of \(length) bytes")
    }
    self.offset = UInt64(offset)
    end = cursor.offset + Int(length)
    self.offsetSize = offsetSize
    version = try cursor.u16()
    guard (2...5).contains(version) else {
      throw SymbolsError(
        .unsupported, path: view.name, offset: UInt64(offset),
        expected: "DWARF version 2 to 5, found \(version)")
    }
    if version >= 5 {
      unitType = try cursor.u8()
      addressSize = Int(try cursor.u8())
      abbreviationOffset = try cursor.unsigned(size: offsetSize)
      switch unitType {
      case 4, 5: try cursor.skip(8)  // dwo_id
      case 2, 6: try cursor.skip(UInt64(8 + offsetSize))  // type signature and offset
      default: break
      }
    } else {
      unitType = DwarfUnit.typeCompile
      abbreviationOffset = try cursor.unsigned(size: offsetSize)
      addressSize = Int(try cursor.u8())
    }
    guard addressSize == 4 || addressSize == 8 else {
      throw SymbolsError(
        .unsupported, path: view.name, offset: UInt64(offset),
        expected: "address size 4 or 8, found \(addressSize)")
    }
    firstEntry = cursor.offset
  }
}

extension DwarfUnit {
  /// The same unit read with another offset size (line tables carry their own).
  func with(offsetSize: Int) -> DwarfUnit {
    var copy = self
    copy.offsetSize = offsetSize
    return copy
  }
}

/// An attribute's value as read from the DIE: the form, and one number whose meaning
/// the form gives (a constant, an address or address index, a string offset or index,
/// an absolute `.debug_info` offset for references, a section offset).
struct DwarfFormValue {
  let form: UInt64
  let value: UInt64

  var isAddressForm: Bool {
    switch form {
    case DW.Form.addr, DW.Form.addrx, DW.Form.addrx1, DW.Form.addrx2, DW.Form.addrx3, DW.Form.addrx4,
      DW.Form.gnuAddrIndex:
      return true
    default: return false
    }
  }

  var isReference: Bool {
    switch form {
    case DW.Form.ref1, DW.Form.ref2, DW.Form.ref4, DW.Form.ref8, DW.Form.refUdata, DW.Form.refAddr:
      return true
    default: return false
    }
  }
}

extension ByteCursor {
  /// Reads one attribute value of `form` in `unit` (DWARF 5 section 7.5.6).
  @inline(__always)
  mutating func formValue(_ form: UInt64, unit: DwarfUnit, implicitConst: Int64) throws -> DwarfFormValue {
    switch form {
    case DW.Form.addr: return DwarfFormValue(form: form, value: try unsigned(size: unit.addressSize))
    case DW.Form.data1, DW.Form.ref1, DW.Form.flag, DW.Form.strx1, DW.Form.addrx1:
      let raw = UInt64(try u8())
      return DwarfFormValue(form: form, value: form == DW.Form.ref1 ? unit.offset + raw : raw)
    case DW.Form.data2, DW.Form.ref2, DW.Form.strx2, DW.Form.addrx2:
      let raw = UInt64(try u16())
      return DwarfFormValue(form: form, value: form == DW.Form.ref2 ? unit.offset + raw : raw)
    case DW.Form.strx3, DW.Form.addrx3: return DwarfFormValue(form: form, value: try u24())
    case DW.Form.data4, DW.Form.ref4, DW.Form.strx4, DW.Form.addrx4, DW.Form.refSup4:
      let raw = UInt64(try u32())
      return DwarfFormValue(form: form, value: form == DW.Form.ref4 ? unit.offset + raw : raw)
    case DW.Form.data8, DW.Form.ref8, DW.Form.refSig8, DW.Form.refSup8:
      let raw = try u64()
      return DwarfFormValue(form: form, value: form == DW.Form.ref8 ? unit.offset &+ raw : raw)
    case DW.Form.data16:
      try skip(16)
      return DwarfFormValue(form: form, value: 0)
    case DW.Form.sdata: return DwarfFormValue(form: form, value: UInt64(bitPattern: try sleb()))
    case DW.Form.udata, DW.Form.strx, DW.Form.addrx, DW.Form.loclistx, DW.Form.rnglistx, DW.Form.gnuAddrIndex,
      DW.Form.gnuStrIndex:
      return DwarfFormValue(form: form, value: try uleb())
    case DW.Form.refUdata: return DwarfFormValue(form: form, value: unit.offset &+ (try uleb()))
    case DW.Form.refAddr:
      return DwarfFormValue(
        form: form, value: try unsigned(size: unit.version <= 2 ? unit.addressSize : unit.offsetSize))
    case DW.Form.strp, DW.Form.lineStrp, DW.Form.secOffset, DW.Form.strpSup, DW.Form.gnuRefAlt,
      DW.Form.gnuStrpAlt:
      return DwarfFormValue(form: form, value: try unsigned(size: unit.offsetSize))
    case DW.Form.string: return DwarfFormValue(form: form, value: UInt64(try skipCString()))
    case DW.Form.block1:
      let start = offset
      try skip(UInt64(try u8()))
      return DwarfFormValue(form: form, value: UInt64(start))
    case DW.Form.block2:
      let start = offset
      try skip(UInt64(try u16()))
      return DwarfFormValue(form: form, value: UInt64(start))
    case DW.Form.block4:
      let start = offset
      try skip(UInt64(try u32()))
      return DwarfFormValue(form: form, value: UInt64(start))
    case DW.Form.block, DW.Form.exprloc:
      let start = offset
      try skip(try uleb())
      return DwarfFormValue(form: form, value: UInt64(start))
    case DW.Form.flagPresent: return DwarfFormValue(form: form, value: 1)
    case DW.Form.implicitConst: return DwarfFormValue(form: form, value: UInt64(bitPattern: implicitConst))
    case DW.Form.indirect:
      let actual = try uleb()
      guard actual != DW.Form.indirect else { throw error("a form after DW_FORM_indirect") }
      return try formValue(actual, unit: unit, implicitConst: implicitConst)
    default:
      throw error("a known attribute form, found 0x\(String(form, radix: 16))", .unsupported)
    }
  }
}
