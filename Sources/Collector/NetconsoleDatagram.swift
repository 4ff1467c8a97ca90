import KernelLog

/// One UDP payload of extended netconsole (Documentation/networking/netconsole.rst,
/// drivers/net/netconsole.c): a `/dev/kmsg`-style header, `;`, then the body.
///
///     [release,]prio,seq,ts_usec,flag[,caller=T1][,ncfrag=off/total];body
///
/// The body is the escaped text, `\n`, then dictionary lines ` KEY=VALUE\n`. A record
/// longer than one payload arrives in fragments, each carrying the whole header and an
/// `ncfrag=offset/total` field that places its chunk in the body.
public struct NetconsoleDatagram: Sendable, Equatable {
  public var release: String?
  public var facility: UInt8
  public var level: UInt8
  public var sequence: UInt64
  public var timestampMicroseconds: UInt64
  /// `c` (or `+` before 5.10) marks a continuation record.
  public var isContinuation: Bool
  public var caller: LogRecord.Caller?
  /// Where this payload's chunk starts in the body, and the body's full length.
  public var fragment: (offset: Int, total: Int)?
  public var chunk: [UInt8]

  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.release == rhs.release && lhs.facility == rhs.facility && lhs.level == rhs.level
      && lhs.sequence == rhs.sequence && lhs.timestampMicroseconds == rhs.timestampMicroseconds
      && lhs.isContinuation == rhs.isContinuation && lhs.caller == rhs.caller
      && lhs.fragment?.offset == rhs.fragment?.offset && lhs.fragment?.total == rhs.fragment?.total
      && lhs.chunk == rhs.chunk
  }

  /// The longest record body a receiver reassembles: printk's own line limit
  /// (`PRINTK_MESSAGE_MAX`, 2048) with netconsole's userdata and sysdata after it;
  /// netconsd's libncrx refuses totals from `NCRX_LINE_MAX`, 8192, on.
  public static let maximumRecordLength = 8191

  public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var expected: String
    /// The counted reason a receiver refuses the payload for.
    public var refusal: NetconsoleRefusal = .badHeader
    public var description: String { "netconsole payload, byte \(offset): expected \(expected)" }
  }

  /// Parses one payload. Payloads without the extended header (the legacy format is
  /// plain console text) are rejected with an error saying so.
  public init(parsing payload: [UInt8]) throws {
    guard let semicolon = payload.firstIndex(of: UInt8(ascii: ";")) else {
      throw ParseError(offset: 0, expected: "an extended header ending in ';'")
    }
    // printk writes the header in ASCII (kernel/printk/printk.c, info_print_ext_header()).
    if let bad = payload[..<semicolon].firstIndex(where: { $0 >= 0x80 || $0 < 0x20 }) {
      throw ParseError(offset: bad, expected: "an ASCII header")
    }
    var fields = payload[..<semicolon].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
    // The optional release comes first; the priority that otherwise starts the
    // header is a plain decimal number, a release never is (it has dots).
    release = nil
    if let first = fields.first, UInt16(first) == nil {
      release = first
      fields.removeFirst()
    }
    guard fields.count >= 4, let priority = UInt16(fields[0]),
      let sequence = UInt64(fields[1]), let timestamp = UInt64(fields[2])
    else {
      throw ParseError(offset: 0, expected: "'prio,seq,ts_usec,flag' before ';'")
    }
    facility = UInt8(truncatingIfNeeded: priority >> 3)
    level = UInt8(priority & 7)
    self.sequence = sequence
    timestampMicroseconds = timestamp
    isContinuation = fields[3] == "c" || fields[3] == "+"
    caller = nil
    fragment = nil
    var keys: Set<Substring> = []
    for field in fields.dropFirst(4) {
      let key = field.prefix { $0 != "=" }
      // A repeated key is a forged or corrupt header: which one would count?
      guard keys.insert(key).inserted else {
        throw ParseError(
          offset: 0, expected: "each header key once, '\(key)' repeats", refusal: .duplicateKey)
      }
      if field.hasPrefix("caller="), let tag = field.dropFirst(7).first,
        let id = UInt32(field.dropFirst(8))
      {
        caller = tag == "C" ? .cpu(id) : .task(pid: id)
      } else if field.hasPrefix("ncfrag=") {
        let parts = field.dropFirst(7).split(separator: "/")
        guard parts.count == 2, let offset = Int(parts[0]), let total = Int(parts[1]),
          offset < total, total <= Self.maximumRecordLength
        else {
          throw ParseError(
            offset: 0, expected: "'ncfrag=offset/total' with offset < total <= \(Self.maximumRecordLength)",
            refusal: .badFragment)
        }
        fragment = (offset, total)
      }
      // Unknown header fields are ignored, as the protocol asks of receivers.
    }
    chunk = Array(payload[(semicolon + 1)...])
    if let fragment, fragment.offset + chunk.count > fragment.total {
      throw ParseError(
        offset: semicolon + 1, expected: "a fragment inside its \(fragment.total)-byte body",
        refusal: .badFragment)
    }
  }
}
