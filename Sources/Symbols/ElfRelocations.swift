import Bytes

/// Relocations of the debug sections of an ET_REL object (a `.ko`): DWARF there refers
/// to code through relocations, so they are applied (with the synthetic section
/// addresses of `ElfFile.sectionBases`) before the DWARF is read, as a loader or
/// libdwfl would. x86_64 types from the psABI: R_X86_64_64 1, PC32 2, 32 10, 32S 11, PC64 24.
enum ElfRelocations {
  static func apply(_ relocations: ElfSection, to view: ByteView, in file: ElfFile) throws -> ByteView {
    guard file.machine == 62 else { return view }  // EM_X86_64; other machines left as they are
    let table = try file.contents(of: relocations)
    let symbols = try file.symbolTableView(index: Int(relocations.link))
    let withAddend = relocations.type == ElfSection.rela
    let entrySize = withAddend ? 24 : 16
    var bytes = try view.bytes(0, view.count)
    var cursor = ByteCursor(table)
    while cursor.remaining >= entrySize {
      let offset = try cursor.u64()
      let info = try cursor.u64()
      let addend = withAddend ? Int64(bitPattern: try cursor.u64()) : 0
      let symbolValue = try symbols.value(ofSymbol: Int(info >> 32), in: file)
      let value = UInt64(bitPattern: Int64(bitPattern: symbolValue) &+ addend)
      let place = file.address(ofSection: Int(relocations.info)) &+ offset
      switch UInt32(truncatingIfNeeded: info) {
      case 1: try store(value, size: 8, at: offset, in: &bytes, view)
      case 10, 11: try store(value, size: 4, at: offset, in: &bytes, view)
      case 2: try store(value &- place, size: 4, at: offset, in: &bytes, view)
      case 24: try store(value &- place, size: 8, at: offset, in: &bytes, view)
      default: continue
      }
    }
    return ByteView(bytes: bytes, name: view.name)
  }

  private static func store(
    _ value: UInt64, size: Int, at offset: UInt64, in bytes: inout [UInt8], _ view: ByteView
  )
    throws
  {
    guard offset <= UInt64(bytes.count), UInt64(size) <= UInt64(bytes.count) - offset else {
      throw SymbolsError(
        .malformed, path: view.name, offset: offset, expected: "a relocation inside the section")
    }
    for index in 0..<size {
      bytes[Int(offset) + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))
    }
  }
}
