import Bytes

/// Layout questions answered from BTF: what a type is under its typedefs and
/// qualifiers, how big it is, where a member lies (through anonymous structs and
/// unions, as `task_struct` nests them), array shapes and enum values.
extension Btf {
  /// The type under typedef, const, volatile, restrict and type_tag links.
  public func resolve(_ id: Int) throws -> Int {
    var current = id
    for _ in 0..<Btf.maximumChain {
      guard current != 0 else { return 0 }
      let record = try type(current)
      guard record.kind.isModifier else { return current }
      current = Int(record.sizeOrType)
    }
    throw SymbolsError(
      .malformed, path: types.name, expected: "a typedef or qualifier chain that ends (from type \(id))")
  }

  /// The kind of `id` under its typedefs and qualifiers.
  public func kind(of id: Int) throws -> BtfKind {
    let resolved = try resolve(id)
    return resolved == 0 ? .void : try type(resolved).kind
  }

  /// The size in bytes, as `sizeof` gives it.
  public func size(of id: Int) throws -> UInt64 {
    var current = id
    var multiplier: UInt64 = 1
    for _ in 0..<Btf.maximumChain {
      let resolved = try resolve(current)
      guard resolved != 0 else { break }
      let record = try type(resolved)
      switch record.kind {
      case .integer, .structure, .union, .enumeration, .enum64, .dataSection, .float:
        let (total, overflow) = multiplier.multipliedReportingOverflow(by: UInt64(record.sizeOrType))
        guard !overflow else { break }
        return total
      case .pointer:
        return multiplier &* 8
      case .array:
        let element = try types.load(record.dataOffset, as: UInt32.self)
        let count = UInt64(try types.load(record.dataOffset + 8, as: UInt32.self))
        let (next, overflow) = multiplier.multipliedReportingOverflow(by: count)
        guard !overflow else { break }
        multiplier = next
        current = Int(element)
        continue
      default:
        break
      }
      break
    }
    throw SymbolsError(.malformed, path: types.name, expected: "a sized type (type \(id))")
  }

  /// What a pointer type points to (through typedefs), or nil when `id` is not one.
  public func pointee(_ id: Int) throws -> Int? {
    let resolved = try resolve(id)
    guard resolved != 0 else { return nil }
    let record = try type(resolved)
    return record.kind == .pointer ? Int(record.sizeOrType) : nil
  }

  /// An array's element type and element count, or nil when `id` is not an array.
  public func array(_ id: Int) throws -> (element: Int, count: Int)? {
    let resolved = try resolve(id)
    guard resolved != 0 else { return nil }
    let record = try type(resolved)
    guard record.kind == .array else { return nil }
    return (
      Int(try types.load(record.dataOffset, as: UInt32.self)),
      Int(try types.load(record.dataOffset + 8, as: UInt32.self))
    )
  }

  /// The members of a struct or union, in declaration order.
  public func members(of id: Int) throws -> [BtfMember] {
    let resolved = try resolve(id)
    let record = try type(resolved)
    guard record.kind == .structure || record.kind == .union else {
      throw SymbolsError(
        .malformed, path: types.name, expected: "a struct or union (type \(id) is \(record.kind))")
    }
    var members: [BtfMember] = []
    members.reserveCapacity(record.vlen)
    for index in 0..<record.vlen {
      let base = record.dataOffset + 12 * index
      let raw = try types.load(base + 8, as: UInt32.self)
      // With kind_flag set, the offset word packs the bitfield size in its top byte.
      let (bitOffset, bitfield) = record.kindFlag ? (raw & 0xff_ffff, Int(raw >> 24)) : (raw, 0)
      members.append(
        BtfMember(
          name: try string(at: try types.load(base, as: UInt32.self)),
          type: Int(try types.load(base + 4, as: UInt32.self)),
          bitOffset: UInt64(bitOffset), bitfieldSize: bitfield))
    }
    return members
  }

  /// The member named `name` of a struct or union, looked for through anonymous
  /// members too; nil when there is none.
  public func member(_ name: String, in id: Int) throws -> BtfField? {
    var searched = Set<Int>()
    return try member(Array(name.utf8), in: id, depth: 0, searched: &searched)
  }

  /// `searched` holds the types entered already: none is searched twice, so a search costs
  /// at most every type's members once. Without it, a hostile blob whose anonymous members
  /// name one struct many times over (or a cycle of them, which C cannot write) cost that
  /// count to the power of the depth: the BTF fuzz target hung there. In C a type reached
  /// twice was searched in full the first time, unless that was past `Btf.maximumChain`
  /// anonymous levels, which no kernel nests.
  private func member(_ name: [UInt8], in id: Int, depth: Int, searched: inout Set<Int>) throws -> BtfField? {
    guard depth < Btf.maximumChain else { return nil }
    let resolved = try resolve(id)
    guard searched.insert(resolved).inserted else { return nil }
    let record = try type(resolved)
    guard record.kind == .structure || record.kind == .union else { return nil }
    var anonymous: [(type: Int, bitOffset: UInt64)] = []
    for index in 0..<record.vlen {
      let base = record.dataOffset + 12 * index
      let nameOffset = try types.load(base, as: UInt32.self)
      let memberType = Int(try types.load(base + 4, as: UInt32.self))
      let raw = try types.load(base + 8, as: UInt32.self)
      let (bitOffset, bitfield) = record.kindFlag ? (raw & 0xff_ffff, Int(raw >> 24)) : (raw, 0)
      if nameOffset == 0 {
        anonymous.append((memberType, UInt64(bitOffset)))
      } else if strings.cStringEquals(at: Int(nameOffset), name) {
        return BtfField(type: memberType, bitOffset: UInt64(bitOffset), bitfieldSize: bitfield)
      }
    }
    for inner in anonymous {
      if var found = try member(name, in: inner.type, depth: depth + 1, searched: &searched) {
        found.bitOffset += inner.bitOffset
        return found
      }
    }
    return nil
  }

  /// A field by path from a named struct: `task_struct.thread.sp`. Array members
  /// may be indexed: `rq.cpu_load[0]` is not needed by the kernel readers, so only
  /// plain names are taken.
  public func field(_ path: String) throws -> BtfField {
    let parts = path.split(separator: ".").map(String.init)
    guard parts.count >= 2 else {
      throw SymbolsError(.malformed, path: types.name, expected: "a path struct.member, found \(path)")
    }
    let root = try structure(parts[0])
    return try field(parts.dropFirst(), in: root, path: path)
  }

  /// A field by member path from type `id`.
  public func field<Names: Collection<String>>(
    _ names: Names, in id: Int, path: String? = nil
  ) throws -> BtfField {
    var current = BtfField(type: id, bitOffset: 0, bitfieldSize: 0)
    for name in names {
      guard let next = try member(name, in: current.type) else {
        throw SymbolsError(
          .missing, path: types.name,
          expected:
            "member \(name) of \(try self.name(of: resolve(current.type))) (\(path ?? names.joined(separator: ".")))"
        )
      }
      current = BtfField(
        type: next.type, bitOffset: current.bitOffset + next.bitOffset, bitfieldSize: next.bitfieldSize)
    }
    return current
  }

  /// The first of several paths that exists: fields renamed or moved across kernel
  /// versions (`task_struct.__state` since 5.14, `task_struct.state` before).
  public func field(anyOf paths: [String]) throws -> BtfField {
    var firstError: Error?
    for path in paths {
      do { return try field(path) } catch { firstError = firstError ?? error }
    }
    throw firstError ?? SymbolsError(.missing, path: types.name, expected: "one of \(paths)")
  }

  /// The value of the enumerator `name` in any ENUM or ENUM64 type.
  public func enumValue(_ name: String) -> Int64? {
    let wanted = Array(name.utf8)
    for id in 1..<count {
      guard let record = try? type(id), record.kind == .enumeration || record.kind == .enum64 else {
        continue
      }
      let stride = record.kind == .enumeration ? 8 : 12
      for index in 0..<record.vlen {
        let base = record.dataOffset + stride * index
        guard let nameOffset = try? types.load(base, as: UInt32.self),
          strings.cStringEquals(at: Int(nameOffset), wanted),
          let low = try? types.load(base + 4, as: UInt32.self)
        else { continue }
        if record.kind == .enumeration {
          return record.kindFlag ? Int64(Int32(bitPattern: low)) : Int64(low)
        }
        let high = (try? types.load(base + 8, as: UInt32.self)) ?? 0
        return Int64(bitPattern: UInt64(high) << 32 | UInt64(low))
      }
    }
    return nil
  }

  /// The enumerators of an ENUM or ENUM64 type, in order.
  public func enumerators(of id: Int) throws -> [(name: String, value: Int64)] {
    let record = try type(try resolve(id))
    guard record.kind == .enumeration || record.kind == .enum64 else {
      throw SymbolsError(.malformed, path: types.name, expected: "an enum (type \(id) is \(record.kind))")
    }
    let stride = record.kind == .enumeration ? 8 : 12
    return try (0..<record.vlen).map { index in
      let base = record.dataOffset + stride * index
      let name = try string(at: try types.load(base, as: UInt32.self))
      let low = try types.load(base + 4, as: UInt32.self)
      if record.kind == .enumeration {
        return (name, record.kindFlag ? Int64(Int32(bitPattern: low)) : Int64(low))
      }
      let high = try types.load(base + 8, as: UInt32.self)
      return (name, Int64(bitPattern: UInt64(high) << 32 | UInt64(low)))
    }
  }

  /// A per-CPU (or other DATASEC) variable: its offset in the section and its type.
  /// Kernel BTF has VAR records only for per-CPU variables (pahole 1.18+).
  public func variable(_ name: String) throws -> (offset: UInt64, type: Int)? {
    guard let variable = find(name, kinds: [.variable]) else { return nil }
    for id in 1..<count {
      guard let record = try? type(id), record.kind == .dataSection else { continue }
      for index in 0..<record.vlen {
        let base = record.dataOffset + 12 * index
        guard Int(try types.load(base, as: UInt32.self)) == variable else { continue }
        let offset = UInt64(try types.load(base + 4, as: UInt32.self))
        return (offset, Int(try type(variable).sizeOrType))
      }
    }
    return nil
  }

  /// A function prototype's return type and parameters (name may be empty).
  public func parameters(of id: Int) throws -> (returns: Int, parameters: [(name: String, type: Int)]) {
    var record = try type(try resolve(id))
    if record.kind == .function { record = try type(Int(record.sizeOrType)) }
    guard record.kind == .functionProto else {
      throw SymbolsError(.malformed, path: types.name, expected: "a function prototype (type \(id))")
    }
    let parameters = try (0..<record.vlen).map { index in
      let base = record.dataOffset + 8 * index
      return (
        try string(at: try types.load(base, as: UInt32.self)), Int(try types.load(base + 4, as: UInt32.self))
      )
    }
    return (Int(record.sizeOrType), parameters)
  }
}
