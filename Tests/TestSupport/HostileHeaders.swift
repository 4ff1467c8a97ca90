/// Hostile copies of a dump whose size, count and offset fields lie: each field the
/// readers take a size from (found from the file's own layout: the kdump header and
/// sub-header, the ELF header and every program header) is given values far beyond
/// what the file holds, and a kdump-compressed copy is also wrapped in a flattened
/// stream with a record at a huge logical offset, so that the logical file is huge
/// while the bytes held stay few. Seeded (SplitMix64), so a failure names a mutant that
/// can be made again.
public struct HostileHeaders {
  /// One hostile copy and the field it lies in.
  public struct Mutant: Sendable {
    public var name: String
    public var bytes: [UInt8]
    public var field: Field
    public var flattened: Bool
  }

  /// A little-endian field of the original: its name, file offset and width in bytes.
  public struct Field: Sendable, Equatable {
    public var name: String
    public var offset: Int
    public var width: Int
  }

  public let original: [UInt8]
  public let fields: [Field]
  public let isKdump: Bool
  var state: UInt64

  public init(original: [UInt8], seed: UInt64) {
    self.original = original
    state = seed
    isKdump = original.starts(with: Array("KDUMP   ".utf8))
    fields = isKdump ? Self.kdumpFields(original) : Self.elfFields(original)
  }

  /// makedumpfile's diskdump_mod.h: `disk_dump_header` at 0, `kdump_sub_header` one
  /// block later.
  static func kdumpFields(_ bytes: [UInt8]) -> [Field] {
    var fields = [
      Field(name: "block_size", offset: 428, width: 4), Field(name: "sub_hdr_size", offset: 432, width: 4),
      Field(name: "bitmap_blocks", offset: 436, width: 4), Field(name: "max_mapnr", offset: 440, width: 4),
      Field(name: "nr_cpus", offset: 460, width: 4),
    ]
    let block = Int(u32(bytes, 428))
    guard block > 0, block + 104 <= bytes.count else { return fields }
    for (name, at) in [
      ("split", 12), ("offset_vmcoreinfo", 32), ("size_vmcoreinfo", 40), ("offset_note", 48),
      ("size_note", 56), ("start_pfn_64", 80), ("end_pfn_64", 88), ("max_mapnr_64", 96),
    ] {
      fields.append(Field(name: name, offset: block + at, width: name == "split" ? 4 : 8))
    }
    return fields
  }

  /// elf.h: `Elf64_Ehdr` and each `Elf64_Phdr` of the table it points at.
  static func elfFields(_ bytes: [UInt8]) -> [Field] {
    var fields = [
      Field(name: "e_machine", offset: 18, width: 2), Field(name: "e_phoff", offset: 32, width: 8),
      Field(name: "e_phentsize", offset: 54, width: 2), Field(name: "e_phnum", offset: 56, width: 2),
    ]
    guard bytes.count >= 64 else { return fields }
    let phoff = Int(truncatingIfNeeded: u64(bytes, 32))
    let count = Int(u16(bytes, 56))
    for index in 0..<count where phoff >= 0 && phoff + (index + 1) * 56 <= bytes.count {
      let base = phoff + index * 56
      for (name, at) in [("p_offset", 8), ("p_paddr", 24), ("p_filesz", 32), ("p_memsz", 40)] {
        fields.append(Field(name: "phdr[\(index)].\(name)", offset: base + at, width: 8))
      }
    }
    return fields
  }

  /// Values no honest header holds for this file: zero, one, the file's size and one
  /// past it, the largest values of each width, huge powers of two, and a random one.
  mutating func values(width: Int) -> [UInt64] {
    let size = UInt64(original.count)
    let top = width == 8 ? UInt64.max : (UInt64(1) << (8 * UInt64(width))) - 1
    let candidates: [UInt64] = [
      0, 1, size, size + 1, size * 64, 1 << 31, 1 << 32 - 1, 1 << 40, 1 << 46, 1 << 52, 1 << 62, top,
      next(),
    ]
    return candidates.map { min($0, top) }
  }

  /// Every field with every hostile value; kdump-compressed mutants also flattened.
  public mutating func mutants() -> [Mutant] {
    var result: [Mutant] = []
    for field in fields where field.offset + field.width <= original.count {
      for value in values(width: field.width) {
        var bytes = original
        for byte in 0..<field.width {
          bytes[field.offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte)))
        }
        let name = "\(field.name)=\(value)"
        result.append(Mutant(name: name, bytes: bytes, field: field, flattened: false))
        if isKdump {
          // The logical file reaches a random huge offset; the stream stays small.
          let far = (1 << 36) + (next() % (1 << 50))
          result.append(
            Mutant(
              name: name + " (flattened, a record at \(far))",
              bytes: Self.flatten(bytes, extra: (far, [0x55])), field: field, flattened: true))
        }
      }
    }
    return result
  }

  /// makedumpfile's flattened format (makedumpfile.h): a 4 KiB header with the
  /// signature and type 1, then big-endian (offset, size) records, then the end marker.
  public static func flatten(_ file: [UInt8], extra: (offset: UInt64, data: [UInt8])? = nil) -> [UInt8] {
    var stream = Array("makedumpfile".utf8) + [0, 0, 0, 0]
    stream += bigEndian(1) + bigEndian(1)
    stream += [UInt8](repeating: 0, count: 4096 - stream.count)
    var offset = 0
    while offset < file.count {
      let end = min(file.count, offset + 4096)
      stream += bigEndian(UInt64(offset)) + bigEndian(UInt64(end - offset)) + file[offset..<end]
      offset = end
    }
    if let extra { stream += bigEndian(extra.offset) + bigEndian(UInt64(extra.data.count)) + extra.data }
    stream += [UInt8](repeating: 0xFF, count: 16)
    return stream
  }

  static func bigEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
  }

  static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
  static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
  }
  static func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
    (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
  }

  /// SplitMix64 (Steele et al. 2014).
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A small ELF64 ET_CORE vmcore for x86_64: one empty PT_NOTE, then one PT_LOAD per
/// (physical address, bytes) run, the data after the headers. Enough for the readers'
/// size checks; the hostile copies come from `HostileHeaders`.
public enum SmallElfVmcore {
  public static func make(runs: [(physical: UInt64, bytes: [UInt8])], machine: UInt16 = 62) -> [UInt8] {
    let phnum = 1 + runs.count
    let headerSize = 64 + 56 * phnum
    var out: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
    func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
    put(UInt16(4))  // ET_CORE
    put(machine)
    put(UInt32(1))
    put(UInt64(0))  // e_entry
    put(UInt64(64))  // e_phoff
    put(UInt64(0))  // e_shoff
    put(UInt32(0))
    put(UInt16(64))
    put(UInt16(56))
    put(UInt16(phnum))
    put(UInt16(64))
    put(UInt16(0))
    put(UInt16(0))
    // PT_NOTE, empty
    put(UInt32(4))
    put(UInt32(0))
    for _ in 0..<6 { put(UInt64(0)) }
    var offset = UInt64(headerSize)
    for run in runs {
      put(UInt32(1))  // PT_LOAD
      put(UInt32(7))
      put(offset)
      put(run.physical)  // p_vaddr
      put(run.physical)  // p_paddr
      put(UInt64(run.bytes.count))
      put(UInt64(run.bytes.count))
      put(UInt64(4096))
      offset += UInt64(run.bytes.count)
    }
    for run in runs { out += run.bytes }
    return out
  }
}
