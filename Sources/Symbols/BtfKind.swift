/// The kinds of BTF type records and the trailing data each carries, as
/// include/uapi/linux/btf.h defines them (kinds 1–19; ENUM64 since 6.0).
public enum BtfKind: UInt8, Sendable, CaseIterable {
  case void = 0
  case integer = 1
  case pointer = 2
  case array = 3
  case structure = 4
  case union = 5
  case enumeration = 6
  case forward = 7
  case typedef = 8
  case volatile = 9
  case const = 10
  case restrict = 11
  case function = 12
  case functionProto = 13
  case variable = 14
  case dataSection = 15
  case float = 16
  case declTag = 17
  case typeTag = 18
  case enum64 = 19

  /// The bytes after the 12-byte `struct btf_type` for a record with `vlen` items.
  /// An unknown kind cannot be skipped (its trailing size is unknown), so the parser
  /// refuses the blob rather than guess.
  func trailingBytes(vlen: Int) -> Int {
    switch self {
    case .integer, .variable, .declTag: return 4
    case .array: return 12
    case .structure, .union, .dataSection, .enum64: return 12 * vlen
    case .enumeration, .functionProto: return 8 * vlen
    case .void, .pointer, .forward, .typedef, .volatile, .const, .restrict, .function, .float, .typeTag:
      return 0
    }
  }

  /// Kinds whose `size_or_type` word is a type id that qualifies or names another type.
  var isModifier: Bool {
    switch self {
    case .typedef, .volatile, .const, .restrict, .typeTag: return true
    default: return false
    }
  }
}

/// One type record: the fixed 12 bytes decoded, and where its trailing items start.
public struct BtfType: Sendable, Equatable {
  public var kind: BtfKind
  /// Offset of the name in the string section (0: anonymous).
  public var nameOffset: UInt32
  /// Number of trailing items (members, enumerators, parameters, variables).
  public var vlen: Int
  /// For structs and unions: member offsets carry bitfield sizes; for FWD: a union;
  /// for ENUM/ENUM64: signed values.
  public var kindFlag: Bool
  /// `size` for INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT; a type id otherwise.
  public var sizeOrType: UInt32
  /// Offset of the trailing items in the type section.
  var dataOffset: Int
}

/// A struct or union member: `bitOffset` from the start of the enclosing type;
/// `bitfieldSize` is nonzero for a bitfield.
public struct BtfMember: Sendable, Equatable {
  public var name: String
  public var type: Int
  public var bitOffset: UInt64
  public var bitfieldSize: Int
}

/// A field found by a name path: its place from the start of the outermost type.
public struct BtfField: Sendable, Equatable {
  public var type: Int
  public var bitOffset: UInt64
  public var bitfieldSize: Int

  /// The byte offset; a bitfield's is that of the byte holding its first bit.
  public var offset: UInt64 { bitOffset / 8 }
}
