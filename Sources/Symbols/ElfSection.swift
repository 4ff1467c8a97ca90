import Bytes

/// One section header (Elf64_Shdr).
public struct ElfSection: Sendable {
  static let symbolTable: UInt32 = 2
  static let rela: UInt32 = 4
  static let note: UInt32 = 7
  static let noBits: UInt32 = 8
  static let rel: UInt32 = 9
  static let allocFlag: UInt64 = 0x2
  static let executableFlag: UInt64 = 0x4
  static let compressedFlag: UInt64 = 0x800

  public let index: Int
  public internal(set) var name: String = ""
  let nameOffset: UInt32
  public let type: UInt32
  public let flags: UInt64
  public let address: UInt64
  let offset: UInt64
  public let size: UInt64
  let link: UInt32
  let info: UInt32
  let alignment: UInt64
  let entrySize: UInt64

  init(_ bytes: ByteView, at offset: Int, index: Int) throws {
    self.index = index
    nameOffset = try bytes.load(offset, as: UInt32.self)
    type = try bytes.load(offset + 4, as: UInt32.self)
    flags = try bytes.load(offset + 8, as: UInt64.self)
    address = try bytes.load(offset + 16, as: UInt64.self)
    self.offset = try bytes.load(offset + 24, as: UInt64.self)
    size = try bytes.load(offset + 32, as: UInt64.self)
    link = try bytes.load(offset + 40, as: UInt32.self)
    info = try bytes.load(offset + 44, as: UInt32.self)
    alignment = try bytes.load(offset + 48, as: UInt64.self)
    entrySize = try bytes.load(offset + 56, as: UInt64.self)
  }

  public var isExecutable: Bool { flags & ElfSection.executableFlag != 0 }
  public var isAllocated: Bool { flags & ElfSection.allocFlag != 0 }
}
