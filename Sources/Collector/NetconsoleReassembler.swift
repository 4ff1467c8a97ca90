import KernelLog

/// Turns extended-netconsole payloads into log records, joining fragmented ones.
///
/// Fragments of one record share the sender and the sequence number; a record is
/// complete once every byte of its body has arrived, in any order, duplicates
/// included (UDP may repeat and reorder them).
public struct NetconsoleReassembler: Sendable {
  struct Pending: Sendable {
    var header: NetconsoleDatagram
    var body: [UInt8]
    var received: [Bool]
    var missing: Int
    var arrived: UInt64
  }

  struct Key: Hashable, Sendable {
    var source: String
    var sequence: UInt64
  }

  var pending: [Key: Pending] = [:]
  /// How many records may wait for missing fragments before the oldest are dropped.
  public var capacity: Int

  public init(capacity: Int = 1024) {
    self.capacity = capacity
  }

  /// Records still waiting for fragments.
  public var incompleteCount: Int { pending.count }

  /// Adds one payload from `source` (its address); returns the record it completes.
  /// A fragment that disagrees with earlier ones is dropped.
  public mutating func add(_ datagram: NetconsoleDatagram, from source: String) -> LogRecord? {
    try? accept(datagram, from: source, at: 0)
  }

  /// Adds one payload; returns the record it completes, throws when the payload
  /// contradicts the fragments already held for its record. `now` (monotonic
  /// nanoseconds) dates the record's first fragment for `expire(before:)`.
  public mutating func accept(
    _ datagram: NetconsoleDatagram, from source: String, at now: UInt64
  ) throws(NetconsoleRefusal)
    -> LogRecord?
  {
    guard let fragment = datagram.fragment else { return Self.record(datagram, body: datagram.chunk) }
    let key = Key(source: source, sequence: datagram.sequence)
    var entry =
      pending[key]
      ?? Pending(
        header: datagram, body: [UInt8](repeating: 0, count: fragment.total),
        received: [Bool](repeating: false, count: fragment.total), missing: fragment.total, arrived: now)
    guard entry.body.count == fragment.total else { throw .fragmentTotalChanged }
    for (index, byte) in datagram.chunk.enumerated() where !entry.received[fragment.offset + index] {
      entry.body[fragment.offset + index] = byte
      entry.received[fragment.offset + index] = true
      entry.missing -= 1
    }
    if entry.missing == 0 {
      pending[key] = nil
      return Self.record(entry.header, body: entry.body)
    }
    if pending[key] == nil, pending.count >= capacity,
      let oldest = pending.min(by: { $0.value.arrived < $1.value.arrived })?.key
    {
      pending[oldest] = nil
      evicted += 1
    }
    pending[key] = entry
    return nil
  }

  /// Records dropped unfinished, by `capacity` or by `expire(before:)`.
  public private(set) var evicted = 0

  /// Drops the records whose first fragment came before `deadline`: the rest will
  /// not come. Returns how many were dropped.
  @discardableResult
  public mutating func expire(before deadline: UInt64) -> Int {
    let old = pending.filter { $0.value.arrived < deadline }.map(\.key)
    for key in old { pending[key] = nil }
    evicted += old.count
    return old.count
  }

  /// Splits a body into the text (up to the first newline, `\xHH` escapes undone) and
  /// the ` KEY=VALUE` dictionary lines after it.
  static func record(_ header: NetconsoleDatagram, body: [UInt8]) -> LogRecord {
    let lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    let text = unescape(lines.first.map(Array.init) ?? [])
    var dictionary: [(key: String, value: String)] = []
    for line in lines.dropFirst() where line.first == UInt8(ascii: " ") {
      let entry = String(decoding: line.dropFirst(), as: UTF8.self)
      if let equals = entry.firstIndex(of: "=") {
        dictionary.append((String(entry[..<equals]), String(entry[entry.index(after: equals)...])))
      }
    }
    return LogRecord(
      text: text, sequence: header.sequence, timestampNanoseconds: header.timestampMicroseconds * 1000,
      facility: header.facility, level: header.level, caller: header.caller, dictionary: dictionary)
  }

  /// Undoes the `\xHH` escaping printk applies to control bytes and backslashes
  /// (kernel/printk/printk.c, `msg_add_ext_text()`).
  static func unescape(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
      if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"),
        let value = UInt8(String(decoding: bytes[(index + 2)...(index + 3)], as: UTF8.self), radix: 16)
      {
        out.append(value)
        index += 4
      } else {
        out.append(bytes[index])
        index += 1
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
