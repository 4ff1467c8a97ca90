import Bytes

/// An ELF64 little-endian object (vmlinux, a `.ko`, a `.debug` file), memory-mapped and
/// read on demand. Layouts follow the System V gABI (`include/uapi/linux/elf.h`).
public final class ElfFile: @unchecked Sendable {
  public enum FileType: UInt16, Sendable {
    case relocatable = 1, executable = 2, sharedObject = 3, core = 4
  }

  public let path: String
  let bytes: ByteView
  public let type: FileType
  public let machine: UInt16
  public let sections: [ElfSection]
  private var sectionCache: [Int: ByteView] = [:]
  private let lock = Lock()
  /// For ET_REL files: the address each allocated section is given, so that symbols and
  /// DWARF of different sections do not all start at 0.
  let sectionBases: [UInt64]

  /// Maps the file; a compressed module (`.ko.xz`, `.ko.zst`, `.ko.gz`) is inflated.
  public convenience init(path: String) throws {
    try self.init(bytes: CompressedModule.decompress(FileBytes(path: path).view()), path: path)
  }

  init(bytes: ByteView, path: String) throws {
    self.path = path
    self.bytes = bytes
    let ident = try bytes.bytes(0, 16)
    guard ident[0] == 0x7f, ident[1] == 0x45, ident[2] == 0x4c, ident[3] == 0x46 else {
      throw SymbolsError(.malformed, path: path, offset: 0, expected: "the ELF magic 7f 45 4c 46")
    }
    guard ident[4] == 2 else {
      throw SymbolsError(.unsupported, path: path, offset: 4, expected: "only 64-bit ELF (class 2) is read")
    }
    guard ident[5] == 1 else {
      throw SymbolsError(.unsupported, path: path, offset: 5, expected: "only little-endian ELF is read")
    }
    let rawType = try bytes.load(16, as: UInt16.self)
    guard let type = FileType(rawValue: rawType) else {
      throw SymbolsError(.malformed, path: path, offset: 16, expected: "e_type 1 to 4, found \(rawType)")
    }
    self.type = type
    machine = try bytes.load(18, as: UInt16.self)
    sections = try ElfFile.readSectionHeaders(bytes, path: path)
    sectionBases = ElfFile.layOutSections(sections, relocatable: type == .relocatable)
  }

  private static func readSectionHeaders(_ bytes: ByteView, path: String) throws -> [ElfSection] {
    let sectionOffset = try bytes.load(40, as: UInt64.self)
    let entrySize = Int(try bytes.load(58, as: UInt16.self))
    var count = Int(try bytes.load(60, as: UInt16.self))
    var namesIndex = Int(try bytes.load(62, as: UInt16.self))
    if sectionOffset == 0 { return [] }
    guard entrySize >= 64 else {
      throw SymbolsError(.malformed, path: path, offset: 58, expected: "e_shentsize of at least 64")
    }
    guard sectionOffset < UInt64(bytes.count) else {
      throw SymbolsError(.truncated, path: path, offset: 40, expected: "section headers inside the file")
    }
    let first = Int(sectionOffset)
    // More than 0xff00 sections: the real count and name index live in section 0.
    if count == 0 { count = Int(truncatingIfNeeded: try bytes.load(first + 32, as: UInt64.self)) }
    if namesIndex == 0xffff { namesIndex = Int(try bytes.load(first + 40, as: UInt32.self)) }
    // The count may come from a 64-bit field: bounded by the file before it is multiplied.
    guard count >= 0, count <= bytes.count / entrySize, bytes.contains(first, count * entrySize) else {
      throw SymbolsError(
        .truncated, path: path, offset: sectionOffset, expected: "\(count) section headers")
    }
    var sections: [ElfSection] = []
    sections.reserveCapacity(count)
    for index in 0..<count {
      sections.append(try ElfSection(bytes, at: first + index * entrySize, index: index))
    }
    guard namesIndex < sections.count else { return sections }
    let names = sections[namesIndex]
    guard names.type != ElfSection.noBits,
      let table = try? bytes.slice(names.offset, names.size, name: path + ":.shstrtab")
    else { return sections }
    for index in sections.indices {
      sections[index].name = (try? table.cString(at: Int(sections[index].nameOffset))) ?? ""
    }
    return sections
  }

  /// ET_REL sections all start at address 0; give each allocated one its own place,
  /// one after the other with their alignment, as a loader would.
  private static func layOutSections(_ sections: [ElfSection], relocatable: Bool) -> [UInt64] {
    guard relocatable else { return sections.map { _ in 0 } }
    var next: UInt64 = 0x1000
    return sections.map { section in
      guard section.flags & ElfSection.allocFlag != 0, section.size > 0 else { return 0 }
      // sh_addralign comes from the file: an alignment so large that rounding up
      // overflows places the section where the previous one ended instead of trapping.
      let alignment = max(section.alignment, 1)
      let (rounded, overflow) = next.addingReportingOverflow(alignment - 1)
      let base = overflow ? next : rounded / alignment * alignment
      next = base &+ section.size
      return base
    }
  }

  public func section(named name: String) -> ElfSection? {
    sections.first { $0.name == name }
  }

  /// The address of a section's first byte as symbols and DWARF see it.
  func address(ofSection index: Int) -> UInt64 {
    guard index >= 0, index < sections.count else { return 0 }
    return type == .relocatable ? sectionBases[index] : sections[index].address
  }

  /// A section's contents, decompressed (SHF_COMPRESSED or legacy `.zdebug_`) and, in
  /// ET_REL files, with its relocations applied. Cached.
  func contents(of section: ElfSection) throws -> ByteView {
    if let cached = lock.withLock({ sectionCache[section.index] }) { return cached }
    let view = try loadContents(of: section)
    lock.withLock { sectionCache[section.index] = view }
    return view
  }

  /// The contents of the named section, or an empty view when it is absent. Looks for
  /// the `.zdebug_` spelling of debug sections too.
  func contents(ofSectionNamed name: String) throws -> ByteView {
    if let section = section(named: name) { return try contents(of: section) }
    if name.hasPrefix(".debug_"), let section = section(named: ".z" + name.dropFirst()) {
      return try contents(of: section)
    }
    return ByteView.empty(path + ":" + name)
  }

  private func loadContents(of section: ElfSection) throws -> ByteView {
    let name = path + ":" + section.name
    if section.type == ElfSection.noBits { return ByteView.empty(name) }
    var view = try bytes.slice(section.offset, section.size, name: name)
    if section.flags & ElfSection.compressedFlag != 0 {
      view = try ElfCompression.decompressSection(view)
    } else if section.name.hasPrefix(".zdebug_") {
      view = try ElfCompression.decompressLegacy(view)
    }
    if type == .relocatable, section.flags & ElfSection.allocFlag == 0,
      let relocations = relocationSection(for: section.index)
    {
      view = try ElfRelocations.apply(relocations, to: view, in: self)
    }
    return view
  }

  private func relocationSection(for index: Int) -> ElfSection? {
    sections.first {
      ($0.type == ElfSection.rela || $0.type == ElfSection.rel) && Int($0.info) == index
    }
  }

  /// The GNU build id (`NT_GNU_BUILD_ID` note), as lowercase hex.
  public func buildID() throws -> String? {
    for section in sections where section.type == ElfSection.note {
      let view = try contents(of: section)
      var cursor = ByteCursor(view)
      while cursor.remaining >= 12 {
        let nameSize = Int(try cursor.u32())
        let descriptionSize = Int(try cursor.u32())
        let noteType = try cursor.u32()
        let nameStart = cursor.offset
        try cursor.skip(UInt64((nameSize + 3) & ~3))
        let descriptionStart = cursor.offset
        try cursor.skip(UInt64((descriptionSize + 3) & ~3))
        if noteType == 3, nameSize == 4, view.cStringEquals(at: nameStart, Array("GNU".utf8)) {
          let id = try view.bytes(descriptionStart, descriptionSize)
          return id.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
          }.joined()
        }
      }
    }
    return nil
  }
}
