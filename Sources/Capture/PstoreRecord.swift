/// One file of the pstore file system, named `TYPE-BACKEND-ID[.enc.z]` by
/// `pstore_mkfile()` (fs/pstore/inode.c); `.enc.z` marks a record the kernel could not
/// decompress itself. Its modification time is the record's time.
public struct PstoreRecord: Sendable, Equatable {
  /// `pstore_type_names[]` (fs/pstore/platform.c), longest first so `powerpc-ofw`
  /// is not read as type `powerpc` of backend `ofw`.
  public static let types = [
    "powerpc-common", "powerpc-opal", "powerpc-ofw", "dmesg", "console", "ftrace", "pmsg", "mce", "rtas",
    "unknown",
  ]

  public var name: String
  public var type: String
  /// `ramoops`, `efi`, `efi_pstore`, `erst`, ...
  public var backend: String
  public var id: UInt64
  public var compressed: Bool
  /// Seconds since the epoch (the file's mtime), when known.
  public var time: Int?

  public init?(fileName name: String, time: Int? = nil) {
    var base = Substring(name)
    compressed = base.hasSuffix(".enc.z")
    if compressed { base = base.dropLast(6) }
    guard let type = Self.types.first(where: { base.hasPrefix($0 + "-") }) else { return nil }
    let rest = base.dropFirst(type.count + 1)
    guard let dash = rest.lastIndex(of: "-"), let id = UInt64(rest[rest.index(after: dash)...]) else {
      return nil
    }
    self.name = name
    self.type = type
    backend = String(rest[..<dash])
    self.id = id
    self.time = time
  }

  /// The parts of an EFI record id: `generic_id()` of drivers/firmware/efi/efi-pstore.c
  /// packs `(timestamp * 100 + part) * 1000 + count`.
  public var efiIdentity: (timestamp: UInt64, part: UInt64, count: UInt64)? {
    guard backend.hasPrefix("efi") else { return nil }
    return (id / 100_000, (id / 1000) % 100, id % 1000)
  }
}

/// The first line pstore writes into every kmsg dump part: `"%s#%d Part%u\n"` with the
/// dump reason, the dump count of this boot and the part number (fs/pstore/platform.c,
/// `pstore_dump()`). Part1 holds the end of the log; higher parts hold older text.
public struct KmsgDumpHeader: Sendable, Equatable {
  public var reason: String
  public var count: Int
  public var part: Int

  /// The header of a part and the log text after it, or nil when the part has none.
  public static func split(_ text: String) -> (header: KmsgDumpHeader, body: Substring)? {
    guard let newline = text.firstIndex(of: "\n") else { return nil }
    let line = text[..<newline]
    guard let hash = line.lastIndex(of: "#"), let space = line[hash...].firstIndex(of: " "),
      line[space...].hasPrefix(" Part"), let count = Int(line[line.index(after: hash)..<space]),
      let part = Int(line[line.index(space, offsetBy: 5)...])
    else { return nil }
    return (
      KmsgDumpHeader(reason: String(line[..<hash]), count: count, part: part),
      text[text.index(after: newline)...]
    )
  }
}
