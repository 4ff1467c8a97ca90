import Foundation
import KernelLog
import SQLKit

/// Who sent a crash: a netconsole source address or the host an API token belongs to.
public struct HostIdentity: Sendable, Hashable {
  public enum Kind: String, Sendable { case netconsole, token }
  public var name: String
  public var kind: Kind

  public init(name: String, kind: Kind) {
    self.name = name
    self.kind = kind
  }
}

/// One crash on its way into the store.
public struct CrashArrival: Sendable {
  public var report: CrashReport
  public var host: HostIdentity
  /// The kernel release: the netconsole release prefix, crash.json, or the report.
  public var release: String?
  /// `netconsole`, `capture`, `pstore`, `console`.
  public var source: String
  public var received: Int64

  public init(report: CrashReport, host: HostIdentity, release: String?, source: String, received: Int64) {
    self.report = report
    self.host = host
    self.release = release ?? report.kernel?.release
    self.source = source
    self.received = received
  }
}

/// What storing a crash did to its bucket.
public struct BucketOutcome: Sendable, Equatable {
  public var bucketID: Int64
  public var isNewBucket: Bool
  /// The bucket had been quiet longer than `CrashStore.goneAfter`.
  public var cameBack: Bool
}

/// The collector's data: crashes in buckets, hosts and their netconsole accounting,
/// API tokens. Every write is one transaction; a call that returned has committed.
public struct CrashStore: Sendable {
  public let database: CollectorDatabase
  /// A bucket with no crash for this long is gone; its next crash marks it "came back".
  public var goneAfter: Int64

  public init(database: CollectorDatabase, goneAfter: Int64 = 30 * 86_400) {
    self.database = database
    self.goneAfter = goneAfter
  }

  // MARK: Writing

  /// Stores the crashes of one upload (or one netconsole report). With an
  /// `uploadID` already stored, nothing is written and nil is returned: a retried
  /// upload is acknowledged once.
  @discardableResult
  public func record(
    _ arrivals: [CrashArrival], uploadID: String? = nil, uploader: HostIdentity? = nil
  ) async throws
    -> [BucketOutcome]?
  {
    let goneAfter = self.goneAfter
    // Bucket keys and the report's JSON are made here, by the caller, not in the
    // transaction, where every other write waits for them.
    let prepared = try arrivals.map(PreparedCrash.init)
    return try await database.transaction { db -> [BucketOutcome]? in
      if let uploadID {
        let seen = try await db.raw("SELECT id FROM uploads WHERE id = \(bind: uploadID)").all()
        if !seen.isEmpty { return nil }
      }
      var outcomes: [BucketOutcome] = []
      // An upload's crashes come from its uploader: its host row is written once.
      var hostIDs: [HostIdentity: Int64] = [:]
      for crash in prepared {
        let arrival = crash.arrival
        let hostID: Int64
        if let known = hostIDs[arrival.host], arrival.release == nil {
          hostID = known
        } else {
          hostID = try await Self.upsertHost(
            arrival.host, release: arrival.release, at: arrival.received, in: db)
          hostIDs[arrival.host] = hostID
        }
        outcomes.append(try await Self.insert(crash, hostID: hostID, into: db, goneAfter: goneAfter))
      }
      if let uploadID, let uploader {
        let hostID: Int64
        if let known = hostIDs[uploader] {
          hostID = known
        } else {
          hostID = try await Self.upsertHost(uploader, release: nil, at: UnixTime.now(), in: db)
        }
        try await db.raw(
          """
          INSERT INTO uploads (id, host_id, received, crashes)
          VALUES (\(bind: uploadID), \(bind: hostID), \(bind: UnixTime.now()), \(bind: Int64(arrivals.count)))
          """
        ).run()
      }
      return outcomes
    }
  }

  static func upsertHost(
    _ host: HostIdentity, release: String?, at time: Int64, in db: any SQLDatabase
  ) async throws
    -> Int64
  {
    let row = try await db.raw(
      """
      INSERT INTO hosts (name, kind, first_seen, last_seen, release)
      VALUES (\(bind: host.name), \(bind: host.kind.rawValue), \(bind: time), \(bind: time), \(bind: release))
      ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen,
        release = COALESCE(excluded.release, hosts.release)
      RETURNING id
      """
    ).first()
    guard let row else {
      throw CollectorError.schema(version: SchemaMigrations.latest, expected: "a host row")
    }
    return try row.decode(column: "id", as: Int64.self)
  }

  /// A crash ready to be written: what can be worked out before the transaction.
  struct PreparedCrash: Sendable {
    var arrival: CrashArrival
    var key: BucketSignature
    var reportJSON: String
    var frames: String

    init(_ arrival: CrashArrival) throws {
      self.arrival = arrival
      key = BucketSignature(arrival.report)
      reportJSON = String(decoding: try JSONEncoder().encode(arrival.report), as: UTF8.self)
      frames = arrival.report.frames.map(\.function).joined(separator: "\n")
    }
  }

  static func insert(
    _ crash: PreparedCrash, hostID: Int64, into db: any SQLDatabase, goneAfter: Int64
  ) async throws -> BucketOutcome {
    let arrival = crash.arrival
    let key = crash.key
    let time = arrival.received
    var bucketID: Int64?
    var foundBy: String?
    for title in key.titles {
      if let row = try await db.raw("SELECT bucket_id FROM bucket_titles WHERE title = \(bind: title)")
        .first()
      {
        bucketID = try row.decode(column: "bucket_id", as: Int64.self)
        foundBy = title
        break
      }
    }
    var isNew = false
    if bucketID == nil {
      let inserted = try await db.raw(
        """
        INSERT INTO buckets (signature, title, kind, guilty_frame, first_seen, last_seen, count, first_release)
        VALUES (\(bind: key.signature), \(bind: key.title), \(bind: key.kind), \(bind: arrival.report.guiltyFrame),
          \(bind: time), \(bind: time), 0, \(bind: arrival.release))
        ON CONFLICT (signature) DO NOTHING RETURNING id
        """
      ).first()
      isNew = inserted != nil
      if let inserted {
        bucketID = try inserted.decode(column: "id", as: Int64.self)
      } else {
        let row = try await db.raw("SELECT id FROM buckets WHERE signature = \(bind: key.signature)").first()
        bucketID = try row?.decode(column: "id", as: Int64.self)
      }
    }
    guard let bucketID else {
      throw CollectorError.schema(version: SchemaMigrations.latest, expected: "a bucket row")
    }
    // The title the bucket was found by leads to it already.
    for title in key.titles where title != foundBy {
      try await db.raw(
        "INSERT INTO bucket_titles (title, bucket_id) VALUES (\(bind: title), \(bind: bucketID)) ON CONFLICT (title) DO NOTHING"
      ).run()
    }
    let last = try await db.raw("SELECT last_seen, count FROM buckets WHERE id = \(bind: bucketID)").first()
    let lastSeen = try last?.decode(column: "last_seen", as: Int64.self) ?? time
    let count = try last?.decode(column: "count", as: Int64.self) ?? 0
    let cameBack = count > 0 && time - lastSeen > goneAfter
    try await db.raw(
      """
      UPDATE buckets SET count = count + 1,
        last_seen = CASE WHEN last_seen < \(bind: time) THEN \(bind: time) ELSE last_seen END,
        first_seen = CASE WHEN first_seen > \(bind: time) THEN \(bind: time) ELSE first_seen END,
        guilty_frame = COALESCE(guilty_frame, \(bind: arrival.report.guiltyFrame)),
        first_release = COALESCE(first_release, \(bind: arrival.release)),
        gone_since = CASE WHEN \(bind: cameBack) THEN \(bind: lastSeen) ELSE gone_since END,
        came_back = CASE WHEN \(bind: cameBack) THEN \(bind: time) ELSE came_back END
      WHERE id = \(bind: bucketID)
      """
    ).run()
    let reportJSON = crash.reportJSON
    let frames = crash.frames
    try await db.raw(
      """
      INSERT INTO crashes (bucket_id, host_id, received, day, release, source, title, type, guilty_frame,
        frames, log, report)
      VALUES (\(bind: bucketID), \(bind: hostID), \(bind: time), \(bind: UnixTime.day(time)), \(bind: arrival.release),
        \(bind: arrival.source), \(bind: arrival.report.title), \(bind: key.kind), \(bind: arrival.report.guiltyFrame),
        \(bind: frames), \(bind: arrival.report.log), \(bind: reportJSON))
      """
    ).run()
    return BucketOutcome(bucketID: bucketID, isNewBucket: isNew, cameBack: cameBack)
  }

  /// Adds netconsole accounting (counts since the last call) to each host's totals.
  public func addStreamCounts(_ counts: [String: NetconsoleHostCounts], at time: Int64) async throws {
    guard !counts.isEmpty else { return }
    try await database.transaction { db in
      for (name, c) in counts.sorted(by: { $0.key < $1.key }) {
        try await db.raw(
          """
          INSERT INTO hosts (name, kind, first_seen, last_seen, release, datagrams, messages, lost, restarts,
            refused, last_sequence)
          VALUES (\(bind: name), 'netconsole', \(bind: time), \(bind: time), \(bind: c.release),
            \(bind: c.datagrams), \(bind: c.messages), \(bind: c.lost), \(bind: c.restarts), \(bind: c.refused),
            \(bind: c.lastSequence.map { Int64(truncatingIfNeeded: $0) }))
          ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen,
            release = COALESCE(excluded.release, hosts.release),
            datagrams = hosts.datagrams + excluded.datagrams, messages = hosts.messages + excluded.messages,
            lost = hosts.lost + excluded.lost, restarts = hosts.restarts + excluded.restarts,
            refused = hosts.refused + excluded.refused,
            last_sequence = COALESCE(excluded.last_sequence, hosts.last_sequence)
          """
        ).run()
      }
    }
  }
}
