import Bytes

/// A subprogram or inlined subroutine of a unit that covers code: the nodes of an
/// inline chain. Lexical blocks are transparent and not kept.
struct DwarfScope {
  let tag: UInt64
  /// Index of the nearest enclosing scope in the unit's list, -1 at the top.
  let parent: Int32
  let rangeStart: Int32
  let rangeCount: Int32
  /// Absolute `.debug_info` offset of the DIE, for its name.
  let entry: UInt64
  let callFile: UInt64
  let callLine: UInt32
  let callColumn: UInt32

  var isInlined: Bool { tag == DW.Tag.inlinedSubroutine }
}

/// The scopes of one unit in DIE order, with their ranges in one flat array.
struct DwarfUnitScopes {
  var scopes: [DwarfScope] = []
  var ranges: [AddressRange] = []

  /// Walks the unit's DIE tree once. DIEs that cannot hold code (types, variables)
  /// are skipped through DW_AT_sibling when the producer wrote it.
  init(_ sections: DwarfSections, unit: DwarfUnit, abbreviations: DwarfAbbreviationTable) throws {
    sections.info.willNeed(unit.firstEntry, unit.end - unit.firstEntry)
    var cursor = ByteCursor(sections.info, at: unit.firstEntry)
    // For each open DIE with children: the scope index its children belong to.
    var stack: [Int32] = []
    var current: Int32 = -1
    var scratch: [AddressRange] = []
    while cursor.offset < unit.end {
      let entryOffset = cursor.offset
      let code = try cursor.uleb()
      if code == 0 {
        guard let parent = stack.popLast() else { break }
        current = parent
        continue
      }
      guard let abbreviation = abbreviations[code] else {
        throw SymbolsError(
          .malformed, path: sections.info.name, offset: UInt64(entryOffset),
          expected: "a defined abbreviation code, found \(code)")
      }
      let tag = abbreviation.tag
      let isScope = tag == DW.Tag.subprogram || tag == DW.Tag.inlinedSubroutine
      let isContainer =
        isScope || tag == DW.Tag.lexicalBlock || tag == DW.Tag.compileUnit || tag == DW.Tag.partialUnit
        || tag == DW.Tag.namespace
      var lowPC: DwarfFormValue?
      var highPC: DwarfFormValue?
      var rangesValue: DwarfFormValue?
      var sibling: UInt64?
      var callFile: UInt64 = 0
      var callLine: UInt64 = 0
      var callColumn: UInt64 = 0
      for spec in abbreviation.specs {
        let value = try cursor.formValue(spec.form, unit: unit, implicitConst: spec.implicitConst)
        guard isScope || spec.attribute == DW.Attribute.sibling else { continue }
        switch spec.attribute {
        case DW.Attribute.sibling: sibling = value.value
        case DW.Attribute.lowPC: lowPC = value
        case DW.Attribute.highPC: highPC = value
        case DW.Attribute.ranges: rangesValue = value
        case DW.Attribute.callFile: callFile = value.value
        case DW.Attribute.callLine: callLine = value.value
        case DW.Attribute.callColumn: callColumn = value.value
        default: break
        }
      }
      var scopeIndex = current
      if isScope {
        scratch.removeAll(keepingCapacity: true)
        try sections.ranges(lowPC: lowPC, highPC: highPC, ranges: rangesValue, unit: unit, into: &scratch)
        if !scratch.isEmpty {
          scopes.append(
            DwarfScope(
              tag: tag, parent: current, rangeStart: Int32(ranges.count), rangeCount: Int32(scratch.count),
              entry: UInt64(entryOffset), callFile: callFile, callLine: UInt32(truncatingIfNeeded: callLine),
              callColumn: UInt32(truncatingIfNeeded: callColumn)))
          ranges.append(contentsOf: scratch)
          scopeIndex = Int32(scopes.count - 1)
        }
      }
      guard abbreviation.hasChildren else { continue }
      if !isContainer, let sibling, sibling > UInt64(cursor.offset), sibling < UInt64(unit.end) {
        cursor.offset = Int(sibling)
        continue
      }
      stack.append(current)
      current = scopeIndex
    }
  }

  /// The innermost scope covering `address`: the last one in DIE order, as llvm's
  /// address-to-DIE map resolves overlaps (DWARFUnit::updateAddressDieMap).
  func innermost(containing address: UInt64) -> Int? {
    var found: Int?
    for index in scopes.indices {
      let scope = scopes[index]
      let start = Int(scope.rangeStart)
      for range in ranges[start..<start + Int(scope.rangeCount)] where range.contains(address) {
        found = index
        break
      }
    }
    return found
  }

  /// The chain from the innermost scope outwards, up to and including the first
  /// subprogram (DWARFUnit::getInlinedChainForAddress).
  func chain(containing address: UInt64) -> [DwarfScope] {
    guard var index = innermost(containing: address) else { return [] }
    var chain: [DwarfScope] = []
    while index >= 0 {
      let scope = scopes[index]
      chain.append(scope)
      if scope.tag == DW.Tag.subprogram { break }
      index = Int(scope.parent)
    }
    return chain
  }
}
