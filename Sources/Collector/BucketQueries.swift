import Foundation
import SQLKit

/// One bucket as the API lists it.
public struct BucketSummary: Sendable, Codable, Equatable {
  public var id: Int64
  public var title: String
  public var kind: String
  /// Crashes in the bucket.
  public var count: Int64
  /// Distinct hosts that sent them.
  public var hosts: Int64
  public var firstSeen: Int64
  public var lastSeen: Int64
  public var guiltyFrame: String?
  /// The release of the bucket's first crash: the bucket is "new in" it.
  public var firstRelease: String?
  /// When the bucket came back after being gone, if it did.
  public var cameBack: Int64?

  enum CodingKeys: String, CodingKey {
    case id, title, kind, count, hosts
    case firstSeen = "first_seen"
    case lastSeen = "last_seen"
    case guiltyFrame = "guilty_frame"
    case firstRelease = "new_in_release"
    case cameBack = "came_back"
  }
}

/// One stored crash, as a bucket or host page shows it.
public struct CrashSummary: Sendable, Equatable {
  public var id: Int64
  public var bucketID: Int64
  public var host: String
  public var received: Int64
  public var release: String?
  public var source: String
  public var title: String
  public var guiltyFrame: String?
  /// The guilty frame's source file, when the report was symbolized (`debug_dir`).
  public var guiltyFile: String?
  public var frames: [String]
  public var log: String
}

/// A bucket with its breakdowns.
public struct BucketDetail: Sendable {
  public var summary: BucketSummary
  public var signature: String
  public var titles: [String]
  public var perDay: [(day: Int64, count: Int64)]
  public var perRelease: [(release: String, count: Int64)]
  public var perHost: [(host: String, count: Int64)]
  public var newest: [CrashSummary]

  /// The guilty file of the newest crash that names one.
  public var guiltyFile: String? { newest.lazy.compactMap(\.guiltyFile).first }
}

/// A host with its crashes and netconsole accounting.
public struct HostDetail: Sendable {
  public var name: String
  public var kind: String
  public var firstSeen: Int64
  public var lastSeen: Int64
  public var release: String?
  public var datagrams: Int64
  public var messages: Int64
  public var lost: Int64
  public var restarts: Int64
  public var refused: Int64
  public var crashes: [CrashSummary]
}

extension CrashStore {
  /// Buckets, most recently hit first. `search` matches titles and the function
  /// names of their crashes' traces, case-insensitively.
  public func buckets(
    search: String? = nil, newIn release: String? = nil, limit: Int = 500
  ) async throws
    -> [BucketSummary]
  {
    var query: SQLQueryString = """
      SELECT b.id, b.title, b.kind, b.count, b.first_seen, b.last_seen, b.guilty_frame, b.first_release,
        b.came_back, (SELECT COUNT(DISTINCT c.host_id) FROM crashes c WHERE c.bucket_id = b.id) AS hosts
      FROM buckets b WHERE 1 = 1
      """
    if let search, !search.isEmpty {
      let pattern = "%" + search.lowercased().replacingOccurrences(of: "%", with: "") + "%"
      query.appendInterpolation(
        unsafeRaw: " AND (LOWER(b.title) LIKE ")
      query.appendInterpolation(bind: pattern)
      query.appendInterpolation(
        unsafeRaw: " OR EXISTS (SELECT 1 FROM crashes c WHERE c.bucket_id = b.id AND LOWER(c.frames) LIKE ")
      query.appendInterpolation(bind: pattern)
      query.appendInterpolation(unsafeRaw: "))")
    }
    if let release {
      query.appendInterpolation(unsafeRaw: " AND b.first_release = ")
      query.appendInterpolation(bind: release)
    }
    query.appendInterpolation(
      unsafeRaw: " ORDER BY b.last_seen DESC, b.id DESC LIMIT \(max(1, min(limit, 10_000)))")
    return try await database.reader.raw(query).all().map(Self.bucketSummary)
  }

  static func bucketSummary(_ row: any SQLRow) throws -> BucketSummary {
    BucketSummary(
      id: try row.decode(column: "id", as: Int64.self),
      title: try row.decode(column: "title", as: String.self),
      kind: try row.decode(column: "kind", as: String.self),
      count: try row.decode(column: "count", as: Int64.self),
      hosts: try row.decode(column: "hosts", as: Int64.self),
      firstSeen: try row.decode(column: "first_seen", as: Int64.self),
      lastSeen: try row.decode(column: "last_seen", as: Int64.self),
      guiltyFrame: try row.decode(column: "guilty_frame", as: String?.self),
      firstRelease: try row.decode(column: "first_release", as: String?.self),
      cameBack: try row.decode(column: "came_back", as: Int64?.self))
  }

  /// Crash counts per bucket and day, for days from `firstDay` on.
  public func dailyCounts(from firstDay: Int64) async throws -> [Int64: [Int64: Int64]] {
    let rows = try await database.reader.raw(
      "SELECT bucket_id, day, COUNT(*) AS n FROM crashes WHERE day >= \(bind: firstDay) GROUP BY bucket_id, day"
    ).all()
    var counts: [Int64: [Int64: Int64]] = [:]
    for row in rows {
      let bucket = try row.decode(column: "bucket_id", as: Int64.self)
      counts[bucket, default: [:]][try row.decode(column: "day", as: Int64.self)] = try row.decode(
        column: "n", as: Int64.self)
    }
    return counts
  }

  public func bucket(id: Int64, newest: Int = 5) async throws -> BucketDetail? {
    let db = database.reader
    guard
      let row = try await db.raw(
        """
        SELECT b.id, b.title, b.kind, b.count, b.first_seen, b.last_seen, b.guilty_frame, b.first_release,
          b.came_back, b.signature, (SELECT COUNT(DISTINCT c.host_id) FROM crashes c WHERE c.bucket_id = b.id) AS hosts
        FROM buckets b WHERE b.id = \(bind: id)
        """
      ).first()
    else { return nil }
    let titles = try await db.raw(
      "SELECT title FROM bucket_titles WHERE bucket_id = \(bind: id) ORDER BY title"
    ).all()
      .map { try $0.decode(column: "title", as: String.self) }
    let days = try await db.raw(
      "SELECT day, COUNT(*) AS n FROM crashes WHERE bucket_id = \(bind: id) GROUP BY day ORDER BY day"
    ).all().map { (try $0.decode(column: "day", as: Int64.self), try $0.decode(column: "n", as: Int64.self)) }
    let releases = try await db.raw(
      """
      SELECT COALESCE(release, '') AS release, COUNT(*) AS n FROM crashes WHERE bucket_id = \(bind: id)
      GROUP BY COALESCE(release, '') ORDER BY n DESC
      """
    ).all().map {
      (try $0.decode(column: "release", as: String.self), try $0.decode(column: "n", as: Int64.self))
    }
    let hosts = try await db.raw(
      """
      SELECT h.name, COUNT(*) AS n FROM crashes c JOIN hosts h ON h.id = c.host_id WHERE c.bucket_id = \(bind: id)
      GROUP BY h.name ORDER BY n DESC, h.name LIMIT 200
      """
    ).all().map {
      (try $0.decode(column: "name", as: String.self), try $0.decode(column: "n", as: Int64.self))
    }
    let crashes = try await crashRows(where: "c.bucket_id", equals: id, limit: newest)
    return BucketDetail(
      summary: try Self.bucketSummary(row), signature: try row.decode(column: "signature", as: String.self),
      titles: titles, perDay: days.map { (day: $0.0, count: $0.1) },
      perRelease: releases.map { (release: $0.0, count: $0.1) },
      perHost: hosts.map { (host: $0.0, count: $0.1) },
      newest: crashes)
  }

  /// The stored report's `guilty_file`, which only symbolized reports carry.
  static func guiltyFile(inReport json: String) -> String? {
    struct Guilty: Decodable { var guilty_file: String? }
    return (try? JSONDecoder().decode(Guilty.self, from: Data(json.utf8)))?.guilty_file
  }

  func crashRows(where column: String, equals value: Int64, limit: Int) async throws -> [CrashSummary] {
    try await database.reader.raw(
      """
      SELECT c.id, c.bucket_id, h.name, c.received, c.release, c.source, c.title, c.guilty_frame, c.frames, c.log,
        c.report
      FROM crashes c JOIN hosts h ON h.id = c.host_id WHERE \(unsafeRaw: column) = \(bind: value)
      ORDER BY c.received DESC, c.id DESC LIMIT \(unsafeRaw: String(limit))
      """
    ).all().map { row in
      CrashSummary(
        id: try row.decode(column: "id", as: Int64.self),
        bucketID: try row.decode(column: "bucket_id", as: Int64.self),
        host: try row.decode(column: "name", as: String.self),
        received: try row.decode(column: "received", as: Int64.self),
        release: try row.decode(column: "release", as: String?.self),
        source: try row.decode(column: "source", as: String.self),
        title: try row.decode(column: "title", as: String.self),
        guiltyFrame: try row.decode(column: "guilty_frame", as: String?.self),
        guiltyFile: Self.guiltyFile(inReport: try row.decode(column: "report", as: String.self)),
        frames: try row.decode(column: "frames", as: String.self).split(separator: "\n").map(String.init),
        log: try row.decode(column: "log", as: String.self))
    }
  }

  public func host(named name: String, crashes limit: Int = 50) async throws -> HostDetail? {
    guard
      let row = try await database.reader.raw(
        """
        SELECT id, name, kind, first_seen, last_seen, release, datagrams, messages, lost, restarts, refused
        FROM hosts WHERE name = \(bind: name)
        """
      ).first()
    else { return nil }
    let id = try row.decode(column: "id", as: Int64.self)
    var host = try HostDetail(row: row, name: name)
    host.crashes = try await crashRows(where: "c.host_id", equals: id, limit: limit)
    return host
  }

  /// All hosts, most recently seen first.
  public func hosts(limit: Int = 1000) async throws -> [HostDetail] {
    try await database.reader.raw(
      """
      SELECT name, kind, first_seen, last_seen, release, datagrams, messages, lost, restarts, refused
      FROM hosts ORDER BY last_seen DESC, name LIMIT \(unsafeRaw: String(limit))
      """
    ).all().map { row in try HostDetail(row: row, name: try row.decode(column: "name", as: String.self)) }
  }
}

extension HostDetail {
  /// A row of `hosts` (its counters and times), without its crashes.
  init(row: any SQLRow, name: String) throws {
    self.init(
      name: name, kind: try row.decode(column: "kind", as: String.self),
      firstSeen: try row.decode(column: "first_seen", as: Int64.self),
      lastSeen: try row.decode(column: "last_seen", as: Int64.self),
      release: try row.decode(column: "release", as: String?.self),
      datagrams: try row.decode(column: "datagrams", as: Int64.self),
      messages: try row.decode(column: "messages", as: Int64.self),
      lost: try row.decode(column: "lost", as: Int64.self),
      restarts: try row.decode(column: "restarts", as: Int64.self),
      refused: try row.decode(column: "refused", as: Int64.self), crashes: [])
  }
}
