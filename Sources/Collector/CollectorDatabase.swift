import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// The collector's store: SQLite in one file (the default, nothing to install) or a
/// PostgreSQL server several collectors share. Both are reached through sql-kit, so
/// every query below is written once; the few statements that differ by dialect
/// (identity columns, pragmas) ask `dialect`.
public final class CollectorDatabase: Sendable {
  public enum Location: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// `sqlite:PATH` or `postgres://user@host:port/db` (`postgresql://` too).
    public init(parsing text: String) throws(CollectorError) {
      if text.hasPrefix("sqlite:") {
        let path = String(text.dropFirst("sqlite:".count))
        guard !path.isEmpty else {
          throw CollectorError.configuration(field: "database", expected: "sqlite:PATH with a path")
        }
        self = .sqlite(path: path)
      } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
        self = .postgres(url: text)
      } else {
        throw CollectorError.configuration(
          field: "database", expected: "sqlite:PATH or postgres://USER@HOST:PORT/DB, got '\(text)'")
      }
    }

    public var description: String {
      switch self {
      case .sqlite(let path): return "sqlite:\(path)"
      case .postgres(let url):
        // Never log a password.
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://") else { return url }
        return String(url[..<scheme.upperBound]) + "…" + String(url[at...])
      }
    }
  }

  public enum Dialect: Sendable { case sqlite, postgres }

  // The pool locks its own state (async-kit); SQLite connections run on a thread pool.
  enum Backend: @unchecked Sendable {
    /// SQLite allows one writer: writes go through one connection, in turn; reads use
    /// a second connection, which WAL lets run beside the writer.
    case sqlite(writer: SQLiteConnection, reader: SQLiteConnection)
    case postgres(pool: EventLoopGroupConnectionPool<PostgresConnectionSource>)
  }

  let backend: Backend
  public let dialect: Dialect
  public let location: Location
  let logger: Logger
  /// Every write goes through here: writes waiting while one batch commits share the
  /// next transaction (SQLite's one writer; one PostgreSQL connection, one WAL flush).
  let writes: GroupCommit

  private init(backend: Backend, dialect: Dialect, location: Location, logger: Logger) {
    self.backend = backend
    self.dialect = dialect
    self.location = location
    self.logger = logger
    switch backend {
    case .sqlite(let writer, _):
      writes = GroupCommit { (writer.sql(), {}) }
    case .postgres(let pool):
      writes = GroupCommit {
        let connection = try await pool.requestConnection(logger: logger).get()
        return (connection.sql(), { pool.releaseConnection(connection, logger: logger) })
      }
    }
  }

  /// Opens (creating an SQLite file if needed) and brings the schema up to date.
  public static func open(_ location: Location, logger: Logger) async throws -> CollectorDatabase {
    let database: CollectorDatabase
    switch location {
    case .sqlite(let path):
      let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
      // WAL: readers never wait for the writer; NORMAL sync: a commit survives the
      // process being killed (the log is in the page cache), which is what an
      // acknowledged upload needs (https://sqlite.org/wal.html).
      _ = try await writer.query("PRAGMA journal_mode=WAL")
      _ = try await writer.query("PRAGMA synchronous=NORMAL")
      _ = try await writer.query("PRAGMA busy_timeout=10000")
      _ = try await writer.query("PRAGMA foreign_keys=ON")
      let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
      _ = try await reader.query("PRAGMA busy_timeout=10000")
      database = CollectorDatabase(
        backend: .sqlite(writer: writer, reader: reader), dialect: .sqlite,
        location: location, logger: logger)
    case .postgres(let url):
      let configuration: SQLPostgresConfiguration
      do {
        configuration = try SQLPostgresConfiguration(url: url)
      } catch {
        throw CollectorError.configuration(field: "database", expected: "a PostgreSQL URL (\(error))")
      }
      let pool = EventLoopGroupConnectionPool(
        source: PostgresConnectionSource(sqlConfiguration: configuration), maxConnectionsPerEventLoop: 4,
        pruneInterval: nil, logger: logger, on: MultiThreadedEventLoopGroup.singleton)
      database = CollectorDatabase(
        backend: .postgres(pool: pool), dialect: .postgres, location: location, logger: logger)
    }
    do {
      try await SchemaMigrations.apply(to: database)
    } catch {
      try? await database.close()
      throw error
    }
    return database
  }

  /// A database for reads (dashboard, API).
  public var reader: any SQLDatabase {
    switch backend {
    case .sqlite(_, let reader): return reader.sql()
    case .postgres(let pool): return pool.database(logger: logger).sql()
    }
  }

  /// Runs `body` in a transaction (maybe shared with other writes waiting at the same
  /// time, see `GroupCommit`): committed when it returns, rolled back when it throws.
  /// `body` may run more than once, each time in a fresh transaction.
  public func transaction<R: Sendable>(
    _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
  ) async throws -> R {
    try await writes.run(body)
  }

  public func close() async throws {
    switch backend {
    case .sqlite(let writer, let reader):
      try await reader.close()
      try await writer.close()
    case .postgres(let pool):
      try await pool.shutdownAsync()
    }
  }
}
