import Bytes
import Synchronization

/// A BTF blob (include/uapi/linux/btf.h, Documentation/bpf/btf.rst): the kernel's own
/// description of its types, which CONFIG_DEBUG_INFO_BTF links into vmlinux between
/// `__start_BTF` and `__stop_BTF`. Parsing records where each type starts; names,
/// members and sizes are read on demand from the bytes, every read bounds-checked.
public struct Btf: Sendable {
  /// `BTF_MAGIC` as stored little-endian.
  static let magic: UInt16 = 0xEB9F
  /// The fixed part of `struct btf_type`.
  static let typeHeaderSize = 12
  /// Chains of typedefs and qualifiers longer than this are taken as a loop.
  static let maximumChain = 64

  let types: ByteView
  let strings: ByteView
  /// Where type id N starts in `types` (id 0 is void and has no record).
  let starts: [Int32]
  /// Struct and union ids by name, made on the first lookup: readers ask for a few
  /// dozen structs, and a scan of vmlinux's types per name was a quarter of `examine`
  /// on a hung-task dump.
  let structures = BtfStructureIndex()

  /// The number of type ids, void included.
  public var count: Int { starts.count + 1 }

  /// Parses the header and walks the type section once. `name` appears in errors.
  public init(bytes: [UInt8], name: String = "BTF") throws {
    let view = ByteView(bytes: bytes, name: name)
    guard try view.load(0, as: UInt16.self) == Btf.magic else {
      throw SymbolsError(.malformed, path: name, offset: 0, expected: "BTF magic 0xeb9f (little-endian)")
    }
    let version = try view.load(2, as: UInt8.self)
    guard version == 1 else {
      throw SymbolsError(.unsupported, path: name, offset: 2, expected: "BTF version 1, found \(version)")
    }
    let headerLength = Int(try view.load(4, as: UInt32.self))
    guard headerLength >= 24 else {
      throw SymbolsError(.malformed, path: name, offset: 4, expected: "a header of at least 24 bytes")
    }
    let typeOffset = UInt64(try view.load(8, as: UInt32.self))
    let typeLength = UInt64(try view.load(12, as: UInt32.self))
    let stringOffset = UInt64(try view.load(16, as: UInt32.self))
    let stringLength = UInt64(try view.load(20, as: UInt32.self))
    // Offsets count from the end of the header.
    types = try view.slice(UInt64(headerLength) + typeOffset, typeLength, name: name + ":types")
    strings = try view.slice(UInt64(headerLength) + stringOffset, stringLength, name: name + ":strings")
    starts = try Btf.index(types)
  }

  /// The start of every record, in id order.
  static func index(_ types: ByteView) throws -> [Int32] {
    var starts: [Int32] = []
    starts.reserveCapacity(types.count / typeHeaderSize)
    var offset = 0
    while offset < types.count {
      let info = try types.load(offset + 4, as: UInt32.self)
      let raw = UInt8((info >> 24) & 0x1f)
      guard let kind = BtfKind(rawValue: raw), kind != .void else {
        throw SymbolsError(
          .unsupported, path: types.name, offset: UInt64(offset),
          expected: "a BTF kind from 1 to 19, found \(raw)")
      }
      let length = typeHeaderSize + kind.trailingBytes(vlen: Int(info & 0xffff))
      guard types.contains(offset, length) else {
        throw SymbolsError(
          .truncated, path: types.name, offset: UInt64(offset),
          expected: "\(length) bytes of a \(kind) record")
      }
      starts.append(Int32(offset))
      offset += length
    }
    return starts
  }

  /// The record of type `id` (1 ..< count).
  public func type(_ id: Int) throws -> BtfType {
    guard id >= 1, id <= starts.count else {
      throw SymbolsError(
        .malformed, path: types.name, expected: "a type id from 1 to \(starts.count), found \(id)")
    }
    let offset = Int(starts[id - 1])
    let info = try types.load(offset + 4, as: UInt32.self)
    return BtfType(
      kind: BtfKind(rawValue: UInt8((info >> 24) & 0x1f)) ?? .void,
      nameOffset: try types.load(offset, as: UInt32.self),
      vlen: Int(info & 0xffff), kindFlag: info >> 31 != 0,
      sizeOrType: try types.load(offset + 8, as: UInt32.self),
      dataOffset: offset + Btf.typeHeaderSize)
  }

  /// A name from the string section.
  public func string(at offset: UInt32) throws -> String {
    try strings.cString(at: Int(offset))
  }

  /// The name of type `id` ("" when anonymous, "void" for id 0).
  public func name(of id: Int) throws -> String {
    id == 0 ? "void" : try string(at: type(id).nameOffset)
  }

  /// The first type named `name` of one of `kinds`; a complete struct or union is
  /// found before a forward declaration because FWD is not asked for unless listed.
  public func find(_ name: String, kinds: Set<BtfKind>) -> Int? {
    if kinds == [.structure, .union] { return structures.id(of: name, in: self) }
    return scan(name, kinds: kinds)
  }

  /// `find` by walking every type.
  func scan(_ name: String, kinds: Set<BtfKind>) -> Int? {
    let wanted = Array(name.utf8)
    for index in 0..<starts.count {
      let offset = Int(starts[index])
      guard let info = try? types.load(offset + 4, as: UInt32.self),
        let kind = BtfKind(rawValue: UInt8((info >> 24) & 0x1f)), kinds.contains(kind),
        let nameOffset = try? types.load(offset, as: UInt32.self), nameOffset != 0,
        strings.cStringEquals(at: Int(nameOffset), wanted)
      else { continue }
      return index + 1
    }
    return nil
  }

  /// The struct (or union) named `name`.
  public func structure(_ name: String) throws -> Int {
    guard let id = find(name, kinds: [.structure, .union]) else {
      throw SymbolsError(.missing, path: types.name, expected: "a struct or union named \(name)")
    }
    return id
  }
}

/// The first struct or union of each name, in id order, built once per blob whichever
/// thread asks first.
final class BtfStructureIndex: @unchecked Sendable {
  private let state = Mutex<[String: Int]?>(nil)

  func id(of name: String, in btf: Btf) -> Int? {
    state.withLock { index in
      if index == nil { index = Self.build(btf) }
      return index?[name]
    }
  }

  static func build(_ btf: Btf) -> [String: Int] {
    var index: [String: Int] = [:]
    for position in 0..<btf.starts.count {
      let offset = Int(btf.starts[position])
      guard let info = try? btf.types.load(offset + 4, as: UInt32.self),
        let kind = BtfKind(rawValue: UInt8((info >> 24) & 0x1f)), kind == .structure || kind == .union,
        let nameOffset = try? btf.types.load(offset, as: UInt32.self), nameOffset != 0,
        let name = try? btf.string(at: nameOffset)
      else { continue }
      if index[name] == nil { index[name] = position + 1 }
    }
    return index
  }
}
