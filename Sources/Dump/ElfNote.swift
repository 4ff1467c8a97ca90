import Bytes

/// One ELF note (`Elf64_Nhdr` + name + descriptor), as found in a vmcore's PT_NOTE
/// or a kdump sub-header's notes blob.
public struct ElfNote: Sendable, Equatable {
  public var name: String
  public var type: UInt32
  public var descriptor: [UInt8]
  /// Where the descriptor starts in the file, for error messages.
  public var fileOffset: UInt64

  public static let prstatus: UInt32 = 1

  /// Walks a notes blob: three u32 (namesz, descsz, type), the name and the
  /// descriptor each padded to 4 bytes (vmcore-format.md §1.4). Stops at the end of
  /// the blob or at an all-zero header (raw kernel note buffers are zero-padded).
  /// A note that runs past the end is reported as truncated.
  public static func parse(_ blob: [UInt8], path: String, fileOffset: UInt64) throws -> [ElfNote] {
    var notes: [ElfNote] = []
    var offset = 0
    while offset + 12 <= blob.count {
      let reader = FieldReader(
        bytes: blob, path: path, fileOffset: fileOffset, structure: "Elf64_Nhdr")
      let nameSize = Int(try reader.u32(offset, "n_namesz"))
      let descSize = Int(try reader.u32(offset + 4, "n_descsz"))
      let type = try reader.u32(offset + 8, "n_type")
      if nameSize == 0 && descSize == 0 { break }
      let nameStart = offset + 12
      let descStart = nameStart + align4(nameSize)
      guard nameSize <= blob.count, descSize <= blob.count, descStart + descSize <= blob.count,
        let nameBytes = blob.slice(nameStart, nameSize), let desc = blob.slice(descStart, descSize)
      else {
        throw DumpError.truncated(
          path: path, offset: fileOffset + UInt64(offset),
          expected: "note of \(nameSize)+\(descSize) bytes within the notes segment")
      }
      let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
      notes.append(
        ElfNote(
          name: name, type: type, descriptor: desc, fileOffset: fileOffset + UInt64(descStart)))
      offset = descStart + align4(descSize)
    }
    return notes
  }
}

@inline(__always)
func align4(_ value: Int) -> Int { (value + 3) & ~3 }
