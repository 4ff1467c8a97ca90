import Codecs
import Glibc

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
  guard let a, let b else { return nil }
  return (a, b)
}

/// Everything in a pstore directory, turned into one crash record folder per boot: each
/// kmsg dump's parts joined in log order, compressed records inflated, console, ftrace
/// and pmsg records kept. systemd-pstore does the same job (src/pstore/pstore.c); the
/// layout here is Coroner's own, for `coroner examine`.
public struct PstoreHarvest: Sendable {
  /// One file to write into a boot's folder.
  public struct Output: Sendable, Equatable {
    public var name: String
    public var bytes: [UInt8]
    /// The pstore records it was made from.
    public var sources: [String]
    public var note: String?
  }

  /// The records of one boot: its kmsg dumps, then the other records.
  public struct Boot: Sendable, Equatable {
    /// The newest record time, seconds since the epoch.
    public var time: Int?
    public var outputs: [Output]
  }

  public var boots: [Boot]
  /// Every record read, which a move removes from pstore once written.
  public var records: [PstoreRecord]
  /// Files that are not pstore records; left alone.
  public var unrecognized: [String]
  /// Records larger than `recordLimit` (or inflating beyond it): harvested cut, and
  /// left in pstore so nothing of them is lost.
  public var cutRecords: [String] = []

  /// The most bytes read from one record, and inflated from a compressed one. Backends
  /// store records of kilobytes (ramoops' record_size, an EFI variable); a record
  /// beyond this is no kernel's and would only fill memory.
  public static let recordLimit = 64 << 20

  public struct HarvestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var problem: String
    public var description: String { "\(path): \(problem)" }
  }

  /// Reads every record of a pstore directory.
  public init(from directory: String) throws(HarvestError) {
    let root = SystemRoot(directory)
    guard root.isDirectory("/") else { throw HarvestError(path: directory, problem: "no such directory") }
    var records: [(record: PstoreRecord, bytes: [UInt8], note: String?)] = []
    unrecognized = []
    for name in root.list("/") {
      guard let record = PstoreRecord(fileName: name, time: root.modificationTime("/\(name)")) else {
        unrecognized.append(name)
        continue
      }
      guard var raw = root.bytes("/\(name)", limit: Self.recordLimit + 1) else {
        throw HarvestError(
          path: "\(directory)/\(name)",
          problem: "cannot read (not a regular file, or pstore is readable by root only)")
      }
      var cut: String?
      if raw.count > Self.recordLimit {
        raw.removeLast(raw.count - Self.recordLimit)
        cut =
          "cut: the record holds more than \(Self.recordLimit >> 20) MiB, the first \(Self.recordLimit >> 20) MiB kept; the record stays in pstore"
      }
      var (bytes, note) = Self.decode(raw, record)
      if let cut {
        note = note.map { "\(cut); \($0)" } ?? cut
        cutRecords.append(name)
      }
      records.append((record, bytes, note))
    }
    self.records = records.map(\.record)
    boots = Self.boots(records)
  }

  /// Inflates a `.enc.z` record: raw deflate as pstore writes it, else a zlib or gzip
  /// stream; kept as it is, with a note, when neither works (lzo, lz4, zstd and 842
  /// were possible before 6.6).
  static func decode(_ raw: [UInt8], _ record: PstoreRecord) -> ([UInt8], String?) {
    guard record.compressed else { return (raw, nil) }
    if let text = try? Zlib.inflate(raw, format: .raw, limit: recordLimit) { return (text, nil) }
    if let text = try? Zlib.inflate(raw, format: .zlibOrGzip, limit: recordLimit) { return (text, nil) }
    return (raw, "not deflate: kept compressed as the kernel left it")
  }

  /// A kmsg dump: its parts in log order (the highest part first; Part1 is the end).
  struct Dump {
    var header: KmsgDumpHeader?
    var parts: [(header: KmsgDumpHeader?, record: PstoreRecord, bytes: [UInt8], note: String?)]
    var time: Int? { parts.compactMap(\.record.time).max() }

    /// Whether a part with `next` belongs to this dump: same reason and count, and a
    /// higher part number than the last one.
    func continues(with next: KmsgDumpHeader) -> Bool {
      guard let header, let last = parts.last?.header else { return false }
      return header.reason == next.reason && header.count == next.count && last.part < next.part
    }
  }

  static func boots(_ records: [(record: PstoreRecord, bytes: [UInt8], note: String?)]) -> [Boot] {
    let dumps = Self.dumps(records.filter { $0.record.type == "dmesg" })
    // oopscount restarts every boot: a count that does not grow starts another boot.
    var boots: [[Dump]] = []
    for dump in dumps.sorted(by: {
      ($0.time ?? 0, $0.header?.count ?? 0) < ($1.time ?? 0, $1.header?.count ?? 0)
    }) {
      let restarts = zip(dump.header?.count, boots.last?.last?.header?.count).map { $0 <= $1 } ?? true
      if boots.isEmpty || (restarts && dump.header != nil && boots.last?.last?.header != nil) {
        boots.append([dump])
      } else {
        boots[boots.count - 1].append(dump)
      }
    }
    var result = boots.map { dumps in
      Boot(time: dumps.compactMap(\.time).max(), outputs: dumps.map(output))
    }
    // Console, ftrace and pmsg zones hold the boot before this one: the newest boot.
    let others = records.filter { $0.record.type != "dmesg" }.sorted { $0.record.name < $1.record.name }
    if !others.isEmpty {
      if result.isEmpty { result.append(Boot(time: nil, outputs: [])) }
      let newest = result.indices.max { (result[$0].time ?? 0) < (result[$1].time ?? 0) } ?? 0
      for other in others {
        let base = other.record.compressed ? String(other.record.name.dropLast(6)) : other.record.name
        let keepsCompression = other.note != nil
        let name =
          keepsCompression
          ? other.record.name : (["console", "ftrace"].contains(other.record.type) ? base + ".txt" : base)
        result[newest].outputs.append(
          Output(name: name, bytes: other.bytes, sources: [other.record.name], note: other.note))
        result[newest].time = max(result[newest].time ?? 0, other.record.time ?? 0)
      }
    }
    return result.sorted { ($0.time ?? 0) < ($1.time ?? 0) }
  }

  /// Groups dmesg parts into dumps. Within one backend, records in id order were written
  /// Part1, Part2, ...: a part number that does not grow, or another reason or count,
  /// starts the next dump. EFI ids are ordered by (time, count, part) instead.
  static func dumps(_ records: [(record: PstoreRecord, bytes: [UInt8], note: String?)]) -> [Dump] {
    var dumps: [Dump] = []
    var lastBackend: String?
    func order(_ record: PstoreRecord) -> (String, UInt64, UInt64, UInt64) {
      guard let efi = record.efiIdentity else { return (record.backend, record.id, 0, 0) }
      return (record.backend, efi.timestamp, efi.count, efi.part)
    }
    for entry in records.sorted(by: { order($0.record) < order($1.record) }) {
      let header =
        entry.note == nil ? KmsgDumpHeader.split(String(decoding: entry.bytes, as: UTF8.self))?.header : nil
      if lastBackend == entry.record.backend, let header, let dump = dumps.last, dump.continues(with: header)
      {
        dumps[dumps.count - 1].parts.append((header, entry.record, entry.bytes, entry.note))
      } else {
        dumps.append(Dump(header: header, parts: [(header, entry.record, entry.bytes, entry.note)]))
      }
      lastBackend = entry.record.backend
    }
    return dumps
  }

  /// One dump as a log: the parts' text without their headers, oldest text first.
  static func output(_ dump: Dump) -> Output {
    let ordered = dump.parts.sorted { ($0.header?.part ?? 0) > ($1.header?.part ?? 0) }
    var bytes: [UInt8] = []
    for part in ordered {
      if part.header != nil, let newline = part.bytes.firstIndex(of: UInt8(ascii: "\n")) {
        bytes += part.bytes[(newline + 1)...]
      } else {
        bytes += part.bytes
      }
    }
    let first = dump.parts[0].record
    let name: String
    if let header = dump.header {
      name = "dmesg-\(header.count)-\(header.reason.lowercased().filter { $0.isLetter || $0.isNumber }).txt"
    } else {
      name = dump.parts[0].note == nil ? "dmesg-\(first.backend)-\(first.id).txt" : first.name
    }
    var notes = ordered.compactMap(\.note)
    let numbers = ordered.compactMap(\.header?.part)
    if let highest = numbers.first, numbers.count != highest {
      notes.append(
        "parts \(numbers.sorted().map(String.init).joined(separator: ",")) of \(highest): the log has holes")
    }
    return Output(
      name: name, bytes: bytes, sources: ordered.map(\.record.name),
      note: notes.isEmpty ? nil : notes.joined(separator: "; "))
  }

  /// Writes one folder per boot under `directory` (made if needed), each with the outputs
  /// and a `manifest.txt` of which records made which file. Returns the folders.
  public func write(to directory: String) throws(HarvestError) -> [String] {
    let target = SystemRoot(directory)
    var folders: [String] = []
    for boot in boots {
      var name = "pstore-" + Self.stamp(boot.time)
      var suffix = 2
      while target.exists("/\(name)") || folders.contains("\(directory)/\(name)") {
        name = "pstore-\(Self.stamp(boot.time))-\(suffix)"
        suffix += 1
      }
      var manifest = ""
      for output in boot.outputs {
        try Self.create(target, "/\(name)/\(output.name)", output.bytes)
        manifest += "\(output.name): \(output.sources.joined(separator: " "))"
        manifest += (output.note.map { " (\($0))" } ?? "") + "\n"
      }
      try Self.create(target, "/\(name)/manifest.txt", Array(manifest.utf8))
      folders.append(directory.hasSuffix("/") ? directory + name : "\(directory)/\(name)")
    }
    return folders
  }

  /// Removes the harvested records, which erases them from the backend and frees its
  /// room for the next crash (pstore_unlink() calls the backend's erase).
  public func removeRecords(from directory: String) throws(HarvestError) {
    for record in records where unlink("\(directory)/\(record.name)") != 0 && errno != ENOENT {
      throw HarvestError(path: "\(directory)/\(record.name)", problem: String(cString: strerror(errno)))
    }
  }

  static func create(_ root: SystemRoot, _ path: String, _ bytes: [UInt8]) throws(HarvestError) {
    do {
      try root.createFile(path, bytes: bytes)
    } catch {
      throw HarvestError(path: root.resolve(path), problem: String(cString: strerror(error.errno)))
    }
  }

  /// `20261126-223000` in UTC, or `unknown-time`.
  static func stamp(_ time: Int?) -> String {
    guard let time else { return "unknown-time" }
    var seconds = time_t(time)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-"
      + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
  }
}
