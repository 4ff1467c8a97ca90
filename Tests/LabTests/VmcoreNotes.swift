import Foundation

/// A small reader of the ELF notes at the head of a vmcore, for the lab tests: enough to
/// check that a dump is ELF and carries VMCOREINFO (Documentation/admin-guide/kdump/
/// vmcoreinfo.rst; ELF64 layout from elf(5)). Every read is bounds-checked.
struct VmcoreNotes {
  struct Note {
    var name: String
    var type: UInt32
    var descriptor: Data
  }

  enum Failure: Error, CustomStringConvertible {
    case notELF64(magic: [UInt8])
    case truncated(field: String, offset: Int)

    var description: String {
      switch self {
      case .notELF64(let magic): return "not an ELF64 little-endian file (magic \(magic))"
      case .truncated(let field, let offset): return "truncated at \(field), offset \(offset)"
      }
    }
  }

  var notes: [Note]

  /// Reads the program headers and the PT_NOTE segments from the file's first bytes.
  init(path: String, headBytes: Int = 16 << 20) throws {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    let head = try handle.read(upToCount: headBytes) ?? Data()
    try self.init(head: [UInt8](head))
  }

  init(head: [UInt8]) throws {
    guard head.count >= 64, head[0..<4] == [0x7f, 0x45, 0x4c, 0x46], head[4] == 2, head[5] == 1 else {
      throw Failure.notELF64(magic: Array(head.prefix(6)))
    }
    func u16(_ at: Int, _ field: String) throws -> Int {
      guard at >= 0, at + 2 <= head.count else { throw Failure.truncated(field: field, offset: at) }
      return Int(head[at]) | Int(head[at + 1]) << 8
    }
    func u32(_ at: Int, _ field: String) throws -> Int {
      guard at >= 0, at + 4 <= head.count else { throw Failure.truncated(field: field, offset: at) }
      return (0..<4).reduce(0) { $0 | Int(head[at + $1]) << (8 * $1) }
    }
    func u64(_ at: Int, _ field: String) throws -> Int {
      guard at >= 0, at + 8 <= head.count else { throw Failure.truncated(field: field, offset: at) }
      let value = (0..<8).reduce(UInt64(0)) { $0 | UInt64(head[at + $1]) << (8 * UInt64($1)) }
      guard value <= UInt64(Int.max) else { throw Failure.truncated(field: field, offset: at) }
      return Int(value)
    }
    let phoff = try u64(32, "e_phoff")
    let phentsize = try u16(54, "e_phentsize")
    let phnum = try u16(56, "e_phnum")
    var notes: [Note] = []
    for index in 0..<phnum {
      let header = phoff + index * phentsize
      guard try u32(header, "p_type") == 4 else { continue }  // PT_NOTE
      let offset = try u64(header + 8, "p_offset")
      let size = try u64(header + 32, "p_filesz")
      var cursor = offset
      // Each note: namesz, descsz, type, then name and descriptor padded to 4 bytes.
      while cursor + 12 <= offset + size {
        let nameSize = try u32(cursor, "n_namesz")
        let descSize = try u32(cursor + 4, "n_descsz")
        let type = try u32(cursor + 8, "n_type")
        let nameStart = cursor + 12
        let descStart = nameStart + (nameSize + 3) / 4 * 4
        let end = descStart + (descSize + 3) / 4 * 4
        guard descStart + descSize <= head.count, nameStart + nameSize <= head.count else {
          throw Failure.truncated(field: "note", offset: cursor)
        }
        if nameSize == 0 && descSize == 0 { break }
        let name = String(decoding: head[nameStart..<nameStart + nameSize].prefix { $0 != 0 }, as: UTF8.self)
        notes.append(
          Note(name: name, type: UInt32(type), descriptor: Data(head[descStart..<descStart + descSize])))
        cursor = end
      }
    }
    self.notes = notes
  }

  /// The VMCOREINFO text (`OSRELEASE=...` lines), if the dump has the note.
  var vmcoreinfo: String? {
    notes.first { $0.name == "VMCOREINFO" }.map { String(decoding: $0.descriptor, as: UTF8.self) }
  }
}
