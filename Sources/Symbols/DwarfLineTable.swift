import Bytes

/// A unit's line-number program run to completion (DWARF 5 section 6.2): the rows of
/// the address-to-line matrix, grouped into sequences. Headers of versions 2 to 5.
struct DwarfLineTable {
  struct Row {
    var address: UInt64
    var file: UInt32
    var line: UInt32
    var column: UInt32
  }

  struct Sequence {
    var low: UInt64
    var high: UInt64
    /// Rows of the sequence, end_sequence row excluded: `rows[first..<last]`.
    var first: Int
    var last: Int
  }

  struct FileEntry {
    var name: String
    var directory: UInt64
  }

  let version: UInt16
  var directories: [String] = []
  var files: [FileEntry] = []
  var rows: [Row] = []
  var sequences: [Sequence] = []

  init(_ sections: DwarfSections, at offset: UInt64, unit: DwarfUnit) throws {
    let view = sections.line
    guard offset < UInt64(view.count) else {
      throw SymbolsError(.truncated, path: view.name, offset: offset, expected: "a line program header")
    }
    var cursor = ByteCursor(view, at: Int(offset))
    var length = UInt64(try cursor.u32())
    var offsetSize = 4
    if length == 0xffff_ffff {
      length = try cursor.u64()
      offsetSize = 8
    }
    guard length <= UInt64(cursor.remaining) else {
      throw SymbolsError(
        .truncated, path: view.name, offset: offset, expected: "a line program of \(length) bytes")
    }
    let end = cursor.offset + Int(length)
    view.willNeed(Int(offset), end - Int(offset))
    version = try cursor.u16()
    guard (2...5).contains(version) else {
      throw SymbolsError(
        .unsupported, path: view.name, offset: offset, expected: "line table version 2 to 5, found \(version)"
      )
    }
    var addressSize = unit.addressSize
    if version >= 5 {
      addressSize = Int(try cursor.u8())
      _ = try cursor.u8()  // segment selector size
    }
    let headerLength = try cursor.unsigned(size: offsetSize)
    let programStart = cursor.offset + Int(clamping: headerLength)
    var header = ProgramHeader(addressSize: addressSize)
    header.minimumInstructionLength = UInt64(try cursor.u8())
    if version >= 4 { _ = try cursor.u8() }  // maximum operations per instruction (VLIW only)
    header.defaultIsStatement = try cursor.u8() != 0
    header.lineBase = Int64(Int8(bitPattern: try cursor.u8()))
    header.lineRange = UInt64(try cursor.u8())
    header.opcodeBase = try cursor.u8()
    for _ in 1..<max(Int(header.opcodeBase), 1) { header.standardLengths.append(try cursor.u8()) }
    guard header.lineRange > 0 else { throw cursor.error("a line_range above 0") }
    let subUnit = DwarfLineSubUnit(unit: unit, offsetSize: offsetSize)
    if version >= 5 {
      directories = try DwarfLineTable.entries(&cursor, sections, subUnit).map(\.name)
      files = try DwarfLineTable.entries(&cursor, sections, subUnit)
    } else {
      while try cursor.view.load(cursor.offset, as: UInt8.self) != 0 {
        directories.append(try cursor.cString())
      }
      _ = try cursor.u8()
      while try cursor.view.load(cursor.offset, as: UInt8.self) != 0 {
        let name = try cursor.cString()
        let directory = try cursor.uleb()
        _ = try cursor.uleb()
        _ = try cursor.uleb()
        files.append(FileEntry(name: name, directory: directory))
      }
    }
    guard programStart <= end else { throw cursor.error("a header_length inside the line program") }
    try run(ByteCursor(try view.slice(0, UInt64(end)), at: programStart), header)
  }

  private struct ProgramHeader {
    var addressSize: Int
    var minimumInstructionLength: UInt64 = 1
    var defaultIsStatement = true
    var lineBase: Int64 = 0
    var lineRange: UInt64 = 1
    var opcodeBase: UInt8 = 1
    var standardLengths: [UInt8] = []
  }

  /// DWARF 5 directory or file entries: a format (content type, form pairs) then the entries.
  private static func entries(
    _ cursor: inout ByteCursor, _ sections: DwarfSections, _ unit: DwarfLineSubUnit
  )
    throws -> [FileEntry]
  {
    let formatCount = Int(try cursor.u8())
    var format: [(UInt64, UInt64)] = []
    for _ in 0..<formatCount { format.append((try cursor.uleb(), try cursor.uleb())) }
    let count = try cursor.uleb()
    guard count <= UInt64(cursor.remaining) else {
      throw cursor.error("a plausible entry count, found \(count)")
    }
    var entries: [FileEntry] = []
    for _ in 0..<count {
      var entry = FileEntry(name: "", directory: 0)
      for (content, form) in format {
        let value = try cursor.formValue(form, unit: unit.unit, implicitConst: 0)
        switch content {
        case 1:  // DW_LNCT_path
          if form == DW.Form.string {
            entry.name = try cursor.view.cString(at: Int(value.value))
          } else {
            entry.name = try sections.string(value, unit: unit.unit) ?? ""
          }
        case 2: entry.directory = value.value  // DW_LNCT_directory_index
        default: break
        }
      }
      entries.append(entry)
    }
    return entries
  }

  /// The line-number state machine (section 6.2.5), rows kept per sequence.
  private mutating func run(_ start: ByteCursor, _ header: ProgramHeader) throws {
    var cursor = start
    var row = Row(address: 0, file: 1, line: 1, column: 0)
    var sequenceStart = rows.count
    let lineRange = header.lineRange
    let opcodeBase = header.opcodeBase
    func reset() { row = Row(address: 0, file: 1, line: 1, column: 0) }
    func emit() { rows.append(row) }
    func endSequence() {
      let first = sequenceStart
      if rows.count > first, let low = rows[first...].first?.address, row.address > low {
        sequences.append(Sequence(low: low, high: row.address, first: first, last: rows.count))
      } else {
        rows.removeSubrange(first...)
      }
      sequenceStart = rows.count
      reset()
    }
    while !cursor.isAtEnd {
      let opcode = try cursor.u8()
      if opcode >= opcodeBase {
        let adjusted = UInt64(opcode - opcodeBase)
        row.address &+= (adjusted / lineRange) * header.minimumInstructionLength
        row.line = UInt32(truncatingIfNeeded: Int64(row.line) + header.lineBase + Int64(adjusted % lineRange))
        emit()
        continue
      }
      switch opcode {
      case 0:
        let length = try cursor.uleb()
        guard length > 0 else { continue }
        // An extended opcode longer than what is left of the program is malformed: its
        // length must not overflow the offset it moves the cursor to.
        guard length <= UInt64(cursor.remaining) else {
          throw cursor.error("an extended opcode of at most \(cursor.remaining) bytes, not \(length)")
        }
        let next = cursor.offset + Int(length)
        let extended = try cursor.u8()
        switch extended {
        case 1: endSequence()
        case 2: row.address = try cursor.unsigned(size: length - 1 == 4 ? 4 : header.addressSize)
        default: break  // define_file (v2 to v4), set_discriminator, vendor opcodes
        }
        cursor.offset = next
      case 1: emit()
      case 2: row.address &+= (try cursor.uleb()) &* header.minimumInstructionLength
      case 3: row.line = UInt32(truncatingIfNeeded: Int64(row.line) &+ (try cursor.sleb()))
      case 4: row.file = UInt32(truncatingIfNeeded: try cursor.uleb())
      case 5: row.column = UInt32(truncatingIfNeeded: try cursor.uleb())
      case 6, 7, 10, 11: break  // is_stmt, basic_block, prologue_end, epilogue_begin
      case 8: row.address &+= ((255 - UInt64(opcodeBase)) / lineRange) * header.minimumInstructionLength
      case 9: row.address &+= UInt64(try cursor.u16())
      default:
        let index = Int(opcode) - 1
        let arguments = index < header.standardLengths.count ? header.standardLengths[index] : 0
        for _ in 0..<arguments { _ = try cursor.uleb() }
      }
    }
    if rows.count > sequenceStart { rows.removeSubrange(sequenceStart...) }
    sequences.sort { $0.low < $1.low }
  }

  /// The row for `address`: in the sequence that covers it, the last row at or before
  /// it (as llvm's DWARFDebugLine::LineTable::findRowInSeq picks it).
  func row(for address: UInt64) -> Row? {
    var low = 0
    var high = sequences.count
    while low < high {
      let middle = (low + high) / 2
      if sequences[middle].low <= address { low = middle + 1 } else { high = middle }
    }
    // Sequences may overlap (functions discarded by the linker keep address 0); look
    // back from the last one starting at or before the address.
    var index = low - 1
    while index >= 0 {
      let sequence = sequences[index]
      if sequence.low <= address && address < sequence.high {
        var first = sequence.first
        var last = sequence.last
        while first < last {
          let middle = (first + last) / 2
          if rows[middle].address <= address { first = middle + 1 } else { last = middle }
        }
        return first > sequence.first ? rows[first - 1] : nil
      }
      if low - index > 64 { break }
      index -= 1
    }
    return nil
  }

  /// The path of file `index` as llvm-symbolizer prints it (absolute file path):
  /// the name if absolute, else the directory (itself joined to the build directory
  /// when relative) and the name. DWARF 5 counts files from 0, earlier versions from 1.
  func path(ofFile index: UInt64, compDir: String) -> String? {
    let position = version >= 5 ? Int(clamping: index) : Int(clamping: index) - 1
    guard position >= 0, position < files.count else { return nil }
    let file = files[position]
    if file.name.hasPrefix("/") { return file.name }
    var directory = ""
    if version >= 5 {
      if file.directory < UInt64(directories.count) { directory = directories[Int(file.directory)] }
    } else if file.directory > 0, file.directory <= UInt64(directories.count) {
      directory = directories[Int(file.directory) - 1]
    }
    var path = ""
    if (version < 5 || file.directory != 0) && !compDir.isEmpty && !directory.hasPrefix("/") {
      path = compDir
    }
    for component in [directory, file.name] where !component.isEmpty {
      if path.isEmpty || path.hasSuffix("/") { path += component } else { path += "/" + component }
    }
    return path
  }
}

/// What the forms of a line header need to know of their unit: the line table's own
/// offset size, the unit's bases for strx forms.
struct DwarfLineSubUnit {
  let unit: DwarfUnit

  init(unit: DwarfUnit, offsetSize: Int) {
    self.unit = unit.with(offsetSize: offsetSize)
  }
}
