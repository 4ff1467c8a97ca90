import Bytes

/// One abbreviation declaration of `.debug_abbrev` (DWARF 5 section 7.5.3).
struct DwarfAbbreviation {
  struct Spec {
    let attribute: UInt64
    let form: UInt64
    /// The value of a DW_FORM_implicit_const attribute, stored here and not in the DIE.
    let implicitConst: Int64
  }

  let tag: UInt64
  let hasChildren: Bool
  let specs: [Spec]
}

/// The abbreviation table a unit's DIEs refer to by code. Codes are usually 1...n, so
/// they are kept in an array; sparse codes go to a dictionary.
struct DwarfAbbreviationTable {
  private var dense: [DwarfAbbreviation?] = []
  private var sparse: [UInt64: DwarfAbbreviation] = [:]

  init(_ view: ByteView, at offset: UInt64) throws {
    guard offset < UInt64(view.count) else {
      throw SymbolsError(.truncated, path: view.name, offset: offset, expected: "an abbreviation table")
    }
    var cursor = ByteCursor(view, at: Int(offset))
    while true {
      let code = try cursor.uleb()
      if code == 0 { break }
      let tag = try cursor.uleb()
      let hasChildren = try cursor.u8() != 0
      var specs: [DwarfAbbreviation.Spec] = []
      while true {
        let attribute = try cursor.uleb()
        let form = try cursor.uleb()
        if attribute == 0 && form == 0 { break }
        let implicitConst = form == DW.Form.implicitConst ? try cursor.sleb() : 0
        specs.append(.init(attribute: attribute, form: form, implicitConst: implicitConst))
      }
      let abbreviation = DwarfAbbreviation(tag: tag, hasChildren: hasChildren, specs: specs)
      if code < 100_000 {
        if dense.count <= Int(code) {
          dense.append(contentsOf: repeatElement(nil, count: Int(code) + 1 - dense.count))
        }
        dense[Int(code)] = abbreviation
      } else {
        sparse[code] = abbreviation
      }
    }
  }

  @inline(__always)
  subscript(code: UInt64) -> DwarfAbbreviation? {
    code < UInt64(dense.count) ? dense[Int(code)] : sparse[code]
  }
}
