import SQLKit

/// The store's schema, as numbered steps. Each step runs once, in its own
/// transaction, and records its number in `schema_version`; a store written by a
/// newer collector is refused rather than misread.
enum SchemaMigrations {
  struct Step: Sendable {
    var version: Int
    var statements: @Sendable (CollectorDatabase.Dialect) -> [String]
  }

  static let steps: [Step] = [Step(version: 1, statements: version1)]

  static var latest: Int { steps.last?.version ?? 0 }

  static func apply(to database: CollectorDatabase) async throws {
    try await database.transaction { db in
      try await db.raw(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)"
      )
      .run()
    }
    let rows = try await database.reader.raw("SELECT MAX(version) AS v FROM schema_version").all()
    let current =
      try rows.first.flatMap { try $0.decodeNil(column: "v") ? nil : $0.decode(column: "v", as: Int.self) }
      ?? 0
    guard current <= latest else {
      throw CollectorError.schema(
        version: current, expected: "at most \(latest); this store was written by a newer coroner")
    }
    for step in steps where step.version > current {
      let statements = step.statements(database.dialect)
      try await database.transaction { db in
        // Another collector sharing the store may have run this step meanwhile.
        let done = try await db.raw(
          "SELECT version FROM schema_version WHERE version = \(bind: step.version)"
        ).all()
        guard done.isEmpty else { return }
        for statement in statements { try await db.raw("\(unsafeRaw: statement)").run() }
        try await db.raw(
          "INSERT INTO schema_version (version, applied) VALUES (\(bind: step.version), \(bind: UnixTime.now()))"
        ).run()
      }
    }
  }

  /// Hosts, tokens, buckets and the titles that lead to them, crashes, uploads
  /// already stored (so a retried upload is acknowledged, not stored twice).
  @Sendable static func version1(_ dialect: CollectorDatabase.Dialect) -> [String] {
    let id = dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
    return [
      """
      CREATE TABLE hosts (
        id \(id), name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, release TEXT,
        datagrams BIGINT NOT NULL DEFAULT 0, messages BIGINT NOT NULL DEFAULT 0,
        lost BIGINT NOT NULL DEFAULT 0, restarts BIGINT NOT NULL DEFAULT 0,
        refused BIGINT NOT NULL DEFAULT 0, last_sequence BIGINT)
      """,
      """
      CREATE TABLE tokens (
        id \(id), host TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL UNIQUE,
        created BIGINT NOT NULL, revoked BIGINT)
      """,
      """
      CREATE TABLE buckets (
        id \(id), signature TEXT NOT NULL UNIQUE, title TEXT NOT NULL, kind TEXT NOT NULL,
        guilty_frame TEXT, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,
        count BIGINT NOT NULL DEFAULT 0, first_release TEXT,
        gone_since BIGINT, came_back BIGINT)
      """,
      "CREATE TABLE bucket_titles (title TEXT PRIMARY KEY, bucket_id BIGINT NOT NULL REFERENCES buckets(id))",
      """
      CREATE TABLE crashes (
        id \(id), bucket_id BIGINT NOT NULL REFERENCES buckets(id),
        host_id BIGINT NOT NULL REFERENCES hosts(id), received BIGINT NOT NULL, day BIGINT NOT NULL,
        release TEXT, source TEXT NOT NULL, title TEXT NOT NULL, type TEXT NOT NULL,
        guilty_frame TEXT, frames TEXT NOT NULL, log TEXT NOT NULL, report TEXT NOT NULL)
      """,
      "CREATE INDEX crashes_bucket ON crashes (bucket_id, received)",
      "CREATE INDEX crashes_host ON crashes (host_id, received)",
      "CREATE INDEX crashes_release ON crashes (bucket_id, release)",
      "CREATE TABLE uploads (id TEXT PRIMARY KEY, host_id BIGINT NOT NULL, received BIGINT NOT NULL, crashes BIGINT NOT NULL)",
    ]
  }
}
