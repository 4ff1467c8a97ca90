import Bytes

/// One source location of a symbolized address: a function and where in it.
public struct SourceFrame: Sendable, Hashable, Codable {
  /// The function's DWARF name (through abstract_origin/specification); nil when no
  /// DIE covers the address.
  public var function: String?
  public var file: String?
  /// 0 when unknown.
  public var line: UInt32
  public var column: UInt32
  /// True for every frame but the outermost: this code was inlined into the next frame.
  public var inlined: Bool

  public init(function: String?, file: String?, line: UInt32, column: UInt32, inlined: Bool) {
    self.function = function
    self.file = file
    self.line = line
    self.column = column
    self.inlined = inlined
  }
}

/// The DWARF of one object, read lazily: the unit address index is built on the first
/// lookup (from `.debug_aranges`, completed by unit ranges), a unit's DIE tree and line
/// program when an address first falls in it; all cached.
public final class DwarfContext: @unchecked Sendable {
  let sections: DwarfSections
  private let lock = Lock()
  private var unitOffsets: [Int]?
  private var addressIndex: [(range: AddressRange, unit: Int)]?
  /// Whether `addressIndex` holds every unit, or only what `.debug_aranges` lists.
  private var addressIndexIsComplete = false
  private var units: [Int: DwarfUnit] = [:]
  private var abbreviationTables: [UInt64: DwarfAbbreviationTable] = [:]
  private var scopes: [Int: DwarfUnitScopes] = [:]
  private var lineTables: [Int: DwarfLineTable?] = [:]
  private var names: [UInt64: String?] = [:]

  public init(_ file: ElfFile) throws {
    sections = try DwarfSections(file)
  }

  public var hasDebugInfo: Bool { sections.info.count > 0 }

  /// The inline chain at `address`, innermost first (as `llvm-symbolizer --inlining`
  /// and `addr2line -i -f` print it). Empty when no unit covers the address.
  public func frames(at address: UInt64) throws -> [SourceFrame] {
    try lock.withLock { try framesLocked(at: address) }
  }

  private func framesLocked(at address: UInt64) throws -> [SourceFrame] {
    guard let unitOffset = try unitCovering(address) else { return [] }
    let unit = try self.unit(at: unitOffset)
    let lineTable = try self.lineTable(for: unit)
    let chain = try scopes(for: unit).chain(containing: address)
    var frames: [SourceFrame] = []
    let row = lineTable?.row(for: address)
    var file = row.flatMap { lineTable?.path(ofFile: UInt64($0.file), compDir: unit.compDir) }
    var line = row?.line ?? 0
    var column = row?.column ?? 0
    if chain.isEmpty {
      if row != nil {
        frames.append(SourceFrame(function: nil, file: file, line: line, column: column, inlined: false))
      }
      return frames
    }
    for scope in chain {
      frames.append(
        SourceFrame(
          function: try name(ofEntry: scope.entry, in: unit), file: file, line: line, column: column,
          inlined: scope.isInlined))
      file = lineTable?.path(ofFile: scope.callFile, compDir: unit.compDir)
      line = scope.callLine
      column = scope.callColumn
    }
    return frames
  }

  // MARK: Units

  private func allUnitOffsets() throws -> [Int] {
    if let unitOffsets { return unitOffsets }
    var offsets: [Int] = []
    var offset = 0
    while offset < sections.info.count {
      let unit = try DwarfUnit(sections.info, at: offset)
      offsets.append(offset)
      offset = unit.end
    }
    unitOffsets = offsets
    return offsets
  }

  func unit(at offset: Int) throws -> DwarfUnit {
    if let unit = units[offset] { return unit }
    var unit = try DwarfUnit(sections.info, at: offset)
    try readRootEntry(&unit)
    units[offset] = unit
    return unit
  }

  private func abbreviations(for unit: DwarfUnit) throws -> DwarfAbbreviationTable {
    if let table = abbreviationTables[unit.abbreviationOffset] { return table }
    let table = try DwarfAbbreviationTable(sections.abbrev, at: unit.abbreviationOffset)
    abbreviationTables[unit.abbreviationOffset] = table
    return table
  }

  /// The root DIE's attributes. Bases first, since other attributes of the same DIE
  /// (strx names, addrx low_pc) need them.
  private func readRootEntry(_ unit: inout DwarfUnit) throws {
    let table = try abbreviations(for: unit)
    var cursor = ByteCursor(sections.info, at: unit.firstEntry)
    guard let abbreviation = table[try cursor.uleb()] else { return }
    unit.tag = abbreviation.tag
    var values: [(UInt64, DwarfFormValue)] = []
    for spec in abbreviation.specs {
      values.append(
        (spec.attribute, try cursor.formValue(spec.form, unit: unit, implicitConst: spec.implicitConst)))
    }
    for (attribute, value) in values {
      switch attribute {
      case DW.Attribute.strOffsetsBase: unit.strOffsetsBase = value.value
      case DW.Attribute.addrBase, DW.Attribute.gnuAddrBase: unit.addrBase = value.value
      case DW.Attribute.rnglistsBase: unit.rnglistsBase = value.value
      case DW.Attribute.stmtList: unit.stmtList = value.value
      default: break
      }
    }
    for (attribute, value) in values {
      switch attribute {
      case DW.Attribute.name: unit.name = try sections.string(value, unit: unit)
      case DW.Attribute.compDir: unit.compDir = try sections.string(value, unit: unit) ?? ""
      case DW.Attribute.lowPC:
        unit.lowPC = value
        unit.baseAddress = try sections.address(value, unit: unit)
      case DW.Attribute.highPC: unit.highPC = value
      case DW.Attribute.ranges: unit.rangesValue = value
      default: break
      }
    }
  }

  fileprivate func scopes(for unit: DwarfUnit) throws -> DwarfUnitScopes {
    let key = Int(unit.offset)
    if let cached = scopes[key] { return cached }
    let built = try DwarfUnitScopes(sections, unit: unit, abbreviations: try abbreviations(for: unit))
    scopes[key] = built
    return built
  }

  private func lineTable(for unit: DwarfUnit) throws -> DwarfLineTable? {
    let key = Int(unit.offset)
    if let cached = lineTables[key] { return cached }
    let table = try unit.stmtList.map { try DwarfLineTable(sections, at: $0, unit: unit) }
    lineTables[key] = table
    return table
  }

  // MARK: Address index

  /// The unit covering `address`: looked up in `.debug_aranges` first; only when that
  /// fails is every unit header read (a walk that touches all of `.debug_info`, which
  /// a trace of a vmlinux with aranges never needs).
  fileprivate func unitCovering(_ address: UInt64) throws -> Int? {
    if addressIndex == nil {
      var entries: [(range: AddressRange, unit: Int)] = []
      var covered = Set<Int>()
      try readAranges(into: &entries, covered: &covered)
      addressIndex = DwarfContext.flatten(entries)
    }
    if let found = DwarfContext.find(address, in: addressIndex ?? []) { return found }
    guard !addressIndexIsComplete else { return nil }
    addressIndex = try buildAddressIndex()
    addressIndexIsComplete = true
    return DwarfContext.find(address, in: addressIndex ?? [])
  }

  private static func find(_ address: UInt64, in index: [(range: AddressRange, unit: Int)]) -> Int? {
    var low = 0
    var high = index.count
    while low < high {
      let middle = (low + high) / 2
      if index[middle].range.low <= address { low = middle + 1 } else { high = middle }
    }
    guard low > 0, index[low - 1].range.contains(address) else { return nil }
    return index[low - 1].unit
  }

  /// Unit ranges from `.debug_aranges`, plus the root-DIE ranges of every unit that
  /// table leaves out (clang writes no aranges), flattened into disjoint intervals;
  /// where units overlap, the first unit wins (as llvm's DWARFDebugAranges does).
  private func buildAddressIndex() throws -> [(range: AddressRange, unit: Int)] {
    var entries: [(range: AddressRange, unit: Int)] = []
    var covered = Set<Int>()
    try readAranges(into: &entries, covered: &covered)
    var scratch: [AddressRange] = []
    for offset in try allUnitOffsets() where !covered.contains(offset) {
      let unit = try self.unit(at: offset)
      guard unit.tag == DW.Tag.compileUnit || unit.tag == DW.Tag.partialUnit else { continue }
      scratch.removeAll(keepingCapacity: true)
      try sections.ranges(
        lowPC: unit.lowPC, highPC: unit.highPC, ranges: unit.rangesValue, unit: unit, into: &scratch)
      for range in scratch { entries.append((range, offset)) }
    }
    return DwarfContext.flatten(entries)
  }

  /// `.debug_aranges` sets (DWARF 5 section 6.1.2): header, then (address, length)
  /// tuples aligned to twice the address size, ending with (0, 0).
  private func readAranges(
    into entries: inout [(range: AddressRange, unit: Int)], covered: inout Set<Int>
  ) throws {
    var cursor = ByteCursor(sections.aranges)
    while !cursor.isAtEnd {
      let setStart = cursor.offset
      var length = UInt64(try cursor.u32())
      var offsetSize = 4
      if length == 0xffff_ffff {
        length = try cursor.u64()
        offsetSize = 8
      }
      guard length <= UInt64(cursor.remaining) else {
        throw cursor.error("an aranges set of \(length) bytes", .truncated)
      }
      let setEnd = cursor.offset + Int(length)
      _ = try cursor.u16()
      let unitOffset = Int(clamping: try cursor.unsigned(size: offsetSize))
      let addressSize = Int(try cursor.u8())
      _ = try cursor.u8()
      guard addressSize == 4 || addressSize == 8 else { throw cursor.error("an address size of 4 or 8") }
      let tupleSize = 2 * addressSize
      let headerLength = cursor.offset - setStart
      cursor.offset = setStart + (headerLength + tupleSize - 1) / tupleSize * tupleSize
      covered.insert(unitOffset)
      while cursor.offset + tupleSize <= setEnd {
        let start = try cursor.unsigned(size: addressSize)
        let size = try cursor.unsigned(size: addressSize)
        if start == 0 && size == 0 { break }
        if size > 0 { entries.append((AddressRange(low: start, high: start &+ size), unitOffset)) }
      }
      cursor.offset = setEnd
    }
  }

  static func flatten(_ entries: [(range: AddressRange, unit: Int)]) -> [(range: AddressRange, unit: Int)] {
    // Sweep over the end points keeping the units open at each point.
    var points: [(address: UInt64, unit: Int, opens: Bool)] = []
    points.reserveCapacity(entries.count * 2)
    for entry in entries {
      points.append((entry.range.low, entry.unit, true))
      points.append((entry.range.high, entry.unit, false))
    }
    points.sort { $0.address < $1.address }
    var open: [Int: Int] = [:]
    var result: [(range: AddressRange, unit: Int)] = []
    var previous: UInt64 = 0
    for point in points {
      if point.address > previous, let first = open.keys.min() {
        if let last = result.last, last.unit == first, last.range.high == previous {
          result[result.count - 1].range.high = point.address
        } else {
          result.append((AddressRange(low: previous, high: point.address), first))
        }
      }
      previous = point.address
      if point.opens {
        open[point.unit, default: 0] += 1
      } else if let count = open[point.unit] {
        if count <= 1 { open[point.unit] = nil } else { open[point.unit] = count - 1 }
      }
    }
    return result
  }

  // MARK: Names

  /// The unit that holds a `.debug_info` offset (for references across units).
  private func unitOffset(containing offset: UInt64) throws -> Int? {
    let offsets = try allUnitOffsets()
    var low = 0
    var high = offsets.count
    while low < high {
      let middle = (low + high) / 2
      if UInt64(offsets[middle]) <= offset { low = middle + 1 } else { high = middle }
    }
    return low > 0 ? offsets[low - 1] : nil
  }

  /// A subroutine's name: its linkage name, else its name, looked for through
  /// DW_AT_abstract_origin and DW_AT_specification (llvm's DWARFDie::getSubroutineName).
  func name(ofEntry entry: UInt64, in home: DwarfUnit) throws -> String? {
    if let cached = names[entry] { return cached }
    var linkageName: String?
    var shortName: String?
    var next: UInt64? = entry
    var hops = 0
    while let offset = next, hops < 8, linkageName == nil {
      hops += 1
      next = nil
      // References stay in their unit but for DW_FORM_ref_addr; only then is the unit
      // list needed.
      let unit: DwarfUnit
      if offset >= home.offset && offset < UInt64(home.end) {
        unit = home
      } else {
        guard let unitOffset = try unitOffset(containing: offset) else { break }
        unit = try self.unit(at: unitOffset)
      }
      let table = try abbreviations(for: unit)
      var cursor = ByteCursor(sections.info, at: Int(clamping: offset))
      guard let abbreviation = table[try cursor.uleb()] else { break }
      var origin: UInt64?
      for spec in abbreviation.specs {
        let value = try cursor.formValue(spec.form, unit: unit, implicitConst: spec.implicitConst)
        switch spec.attribute {
        case DW.Attribute.linkageName, DW.Attribute.mipsLinkageName:
          linkageName = try sections.string(value, unit: unit)
        case DW.Attribute.name:
          if shortName == nil { shortName = try sections.string(value, unit: unit) }
        case DW.Attribute.abstractOrigin, DW.Attribute.specification:
          if value.isReference { origin = value.value }
        default: break
        }
      }
      next = origin
    }
    let result = linkageName ?? shortName
    names[entry] = result
    return result
  }
}

extension DwarfContext {
  /// DW_AT_comp_dir of the unit covering `address`.
  public func compilationDirectory(containing address: UInt64) throws -> String? {
    try lock.withLock {
      guard let offset = try unitCovering(address) else { return nil }
      return try unit(at: offset).compDir
    }
  }

  /// The ranges of the inlined subroutines of the unit covering `address` (for tests
  /// and benchmarks that want addresses inside inline chains).
  func inlinedRanges(inUnitCovering address: UInt64) throws -> [AddressRange] {
    try lock.withLock {
      guard let offset = try unitCovering(address) else { return [] }
      let scopes = try scopes(for: try unit(at: offset))
      return scopes.scopes.filter(\.isInlined).flatMap { scope in
        scopes.ranges[Int(scope.rangeStart)..<Int(scope.rangeStart + scope.rangeCount)]
      }
    }
  }
}
