import Examine
import KernelLog

/// What one host's netconsole stream did since the counts were last taken.
public struct NetconsoleHostCounts: Sendable, Equatable {
  public var datagrams: Int64 = 0
  public var messages: Int64 = 0
  /// Records that never arrived (sequence gaps), less late arrivals that filled one.
  public var lost: Int64 = 0
  public var restarts: Int64 = 0
  public var refused: Int64 = 0
  public var lastSequence: UInt64?
  public var release: String?

  public init() {}

  public var isEmpty: Bool { datagrams == 0 && refused == 0 }

  public mutating func add(_ other: NetconsoleHostCounts) {
    datagrams += other.datagrams
    messages += other.messages
    lost += other.lost
    restarts += other.restarts
    refused += other.refused
    lastSequence = other.lastSequence ?? lastSequence
    release = other.release ?? release
  }
}

/// One host's netconsole stream: payloads in, log records and crash reports out.
///
/// A host's target is extended (`+` in `netconsole=`) or legacy; both may arrive on
/// one port. Extended payloads are reassembled and their sequence followed;
/// legacy payloads are plain console text in chunks of up to 1000 bytes
/// (`MAX_PRINT_CHUNK`, drivers/net/netconsole.c) whose lines are rejoined here.
/// Every record goes on to the host's `ReportCutter`.
public struct NetconsoleHostStream: Sendable {
  public let source: String
  var reassembler = NetconsoleReassembler(capacity: 64)
  var sequence = PrintkSequenceTracker()
  var messageIDs = PrintkSequenceTracker()
  var cutter: ReportCutter
  var legacyLine: [UInt8] = []
  /// Set once a payload parsed as extended: from then on a payload that does not
  /// parse is refused, not read as console text.
  var isExtended = false
  public private(set) var release: String?
  /// Counts since `takeCounts()`.
  var counts = NetconsoleHostCounts()
  var lostReported: Int64 = 0
  public private(set) var refusals: [NetconsoleRefusal: Int64] = [:]

  static let legacyLineLimit = 8192

  public init(
    source: String, markers: ReportMarkers, limits: ReportCutter.Limits = ReportCutter.Limits(),
    examiner: Examiner = Examiner()
  ) {
    self.source = source
    cutter = ReportCutter(limits: limits, markers: markers, examiner: examiner, source: source)
  }

  /// The host's release: the extended header's prefix or its `release=` sysdata.
  public var lastRelease: String? { release }

  /// Takes one payload received at `now` (monotonic nanoseconds). Returns the
  /// crash reports it completes; throws the reason it was refused.
  public mutating func receive(_ payload: [UInt8], at now: UInt64) throws(NetconsoleRefusal) -> [CrashReport]
  {
    counts.datagrams += 1
    do {
      return try process(payload, at: now)
    } catch {
      counts.refused += 1
      refusals[error, default: 0] += 1
      throw error
    }
  }

  /// Counts a payload refused before it reached the stream (flood, queue).
  public mutating func refuse(_ reason: NetconsoleRefusal) {
    counts.datagrams += 1
    counts.refused += 1
    refusals[reason, default: 0] += 1
  }

  mutating func process(_ payload: [UInt8], at now: UInt64) throws(NetconsoleRefusal) -> [CrashReport] {
    guard !payload.isEmpty else { throw .empty }
    guard payload.count <= NetconsoleListener.maximumPayload else { throw .oversized }
    if isExtended || Self.looksExtended(payload) {
      let datagram: NetconsoleDatagram
      do {
        datagram = try NetconsoleDatagram(parsing: payload)
      } catch let error as NetconsoleDatagram.ParseError {
        throw error.refusal
      } catch {
        throw .badHeader
      }
      isExtended = true
      guard let record = try reassembler.accept(datagram, from: source, at: now) else { return [] }
      return take(record, header: datagram, at: now)
    }
    return takeLegacy(payload, at: now)
  }

  mutating func take(_ record: LogRecord, header: NetconsoleDatagram, at now: UInt64) -> [CrashReport] {
    var newRelease = header.release
    var messageID: UInt64?
    for entry in record.dictionary {
      if entry.key == "release" { newRelease = entry.value }
      if entry.key == "msgid" { messageID = UInt64(entry.value) }
    }
    var reports: [CrashReport] = []
    if let newRelease, newRelease != release {
      if release != nil {
        // Another kernel: the host rebooted. Its last report is complete.
        sequence.restart()
        messageIDs.restart()
        reports += cutter.flush()
      }
      release = newRelease
      counts.release = newRelease
    }
    let verdict = sequence.observe(header.sequence, timestamp: header.timestampMicroseconds)
    if let messageID { _ = messageIDs.observe(messageID, timestamp: header.timestampMicroseconds) }
    counts.lastSequence = header.sequence
    if verdict == .duplicate { return reports }
    if verdict == .restart { reports += cutter.flush() }
    // msgid counts only what netconsole sent: its gaps are losses alone.
    let lost = messageID != nil || messageIDs.highest != nil ? messageIDs.lost : sequence.lost
    counts.lost += lost - lostReported
    lostReported = lost
    counts.messages += 1
    return reports + cutter.add(record, at: now)
  }

  mutating func takeLegacy(_ payload: [UInt8], at now: UInt64) -> [CrashReport] {
    var reports: [CrashReport] = []
    var start = 0
    for (index, byte) in payload.enumerated() where byte == UInt8(ascii: "\n") {
      legacyLine.append(contentsOf: payload[start..<index])
      reports += takeLegacyLine(at: now)
      start = index + 1
    }
    legacyLine.append(contentsOf: payload[start...])
    if legacyLine.count >= Self.legacyLineLimit { reports += takeLegacyLine(at: now) }
    return reports
  }

  mutating func takeLegacyLine(at now: UInt64) -> [CrashReport] {
    defer { legacyLine.removeAll(keepingCapacity: true) }
    var reports: [CrashReport] = []
    for record in KernelLogReader.records(in: legacyLine) {
      counts.messages += 1
      reports += cutter.add(record, at: now)
    }
    return reports
  }

  /// Parses reports that have gone quiet and drops fragments that waited too long.
  public mutating func tick(at now: UInt64, fragmentTimeout: UInt64 = 5_000_000_000) -> [CrashReport] {
    if now > fragmentTimeout { reassembler.expire(before: now - fragmentTimeout) }
    return cutter.tick(at: now)
  }

  /// Ends the stream: the last partial line and open report are parsed.
  public mutating func finish(at now: UInt64) -> [CrashReport] {
    var reports: [CrashReport] = []
    if !legacyLine.isEmpty { reports += takeLegacyLine(at: now) }
    return reports + cutter.flush()
  }

  /// The counts since the last call.
  public mutating func takeCounts() -> NetconsoleHostCounts {
    var taken = counts
    taken.restarts = sequence.restarts - restartsReported
    restartsReported = sequence.restarts
    counts = NetconsoleHostCounts()
    counts.release = release
    return taken
  }
  var restartsReported: Int64 = 0

  /// An extended header is ASCII fields up to the first `;`, the third and fourth
  /// of them numbers: `[release,]prio,seq,ts,flag`. Console text rarely is.
  static func looksExtended(_ payload: [UInt8]) -> Bool {
    guard let semicolon = payload.prefix(512).firstIndex(of: UInt8(ascii: ";")), semicolon > 0 else {
      return false
    }
    var commas = 0
    for byte in payload[..<semicolon] {
      if byte == UInt8(ascii: ",") {
        commas += 1
      } else if !(byte >= 0x21 && byte < 0x7F) || byte == UInt8(ascii: "[") || byte == UInt8(ascii: " ") {
        return false
      }
    }
    return commas >= 3 && payload[0] != UInt8(ascii: "<")
  }
}
