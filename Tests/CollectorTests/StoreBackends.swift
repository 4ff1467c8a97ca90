import Collector
import Foundation
import Logging
import XCTest

/// The stores the collector's tests run on: SQLite in a temporary file, and a
/// PostgreSQL cluster that `scripts/collector-postgres` starts for this run.
enum StoreBackends {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent().path
  static var logger: Logger {
    var logger = Logger(label: "collector-tests")
    logger.logLevel = .warning
    return logger
  }

  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "coroner-collector-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  static func sqlite() async throws -> CrashStore {
    let path = try temporaryDirectory() + "/store.sqlite"
    return CrashStore(database: try await CollectorDatabase.open(.sqlite(path: path), logger: logger))
  }

  /// A new database on the run's PostgreSQL cluster (started on first use,
  /// stopped when the process exits).
  static func postgres() async throws -> CrashStore {
    let url = try PostgresCluster.shared.newDatabase()
    return CrashStore(database: try await CollectorDatabase.open(.postgres(url: url), logger: logger))
  }

  /// Runs `body` on each backend. Without PostgreSQL installed the test fails
  /// under CI and is skipped elsewhere.
  static func each(_ body: (String, CrashStore) async throws -> Void) async throws {
    let lite = try await sqlite()
    try await body("sqlite", lite)
    try await lite.database.close()
    guard PostgresCluster.available else {
      if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("PostgreSQL is not installed: run scripts/install-prerequisites")
      }
      return
    }
    let postgres = try await postgres()
    try await body("postgres", postgres)
    try await postgres.database.close()
  }
}

final class PostgresCluster: @unchecked Sendable {
  static let shared = PostgresCluster()
  static var available: Bool {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
      FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb")
    }
  }

  private let lock = NSLock()
  private var base: (url: String, directory: String)?
  private var count = 0

  func newDatabase() throws -> String {
    lock.lock()
    defer { lock.unlock() }
    if base == nil {
      let output = try Self.script(["start"])
      let parts = output.split(separator: " ")
      guard parts.count == 2 else { throw CollectorError.file(path: "collector-postgres", problem: output) }
      base = (String(parts[0]), String(parts[1]))
      let directory = String(parts[1])
      atexit_directory = directory
      atexit { if let directory = atexit_directory { _ = try? PostgresCluster.script(["stop", directory]) } }
    }
    count += 1
    let name = "t\(getpid())_\(count)"
    let url = base!.url
    _ = try Self.run("/usr/bin/psql", [url, "-q", "-c", "CREATE DATABASE \(name)"])
    return String(url[..<url.lastIndex(of: "/")!]) + "/" + name
  }

  static func script(_ arguments: [String]) throws -> String {
    try run(StoreBackends.repository + "/scripts/collector-postgres", arguments)
  }

  /// Runs a tool to its exit (posix_spawn and waitpid: Foundation's `Process`
  /// waited forever here for a child whose own children outlive it). Its output
  /// goes through a file, not a pipe, which the server it starts would hold open.
  @discardableResult
  static func run(_ tool: String, _ arguments: [String]) throws -> String {
    let output = NSTemporaryDirectory() + "coroner-run-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: output) }
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    let argv = ([tool] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, tool, &actions, nil, argv, environ)
    guard spawned == 0 else { throw CollectorError.file(path: tool, problem: "spawn failed: \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    guard status == 0 else { throw CollectorError.file(path: tool, problem: "exit status \(status)") }
    let data = FileManager.default.contents(atPath: output) ?? Data()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

nonisolated(unsafe) var atexit_directory: String?

/// Real console logs of lab crashes, shared with KernelLog's tests.
enum LabLogs {
  static func bytes(_ name: String) throws -> [UInt8] {
    let path = StoreBackends.repository + "/Tests/KernelLogTests/Fixtures/lab-real/" + name
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CollectorError.file(path: path, problem: "missing fixture")
    }
    return [UInt8](data)
  }
}
