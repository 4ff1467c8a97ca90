import ArgumentParser
import Collector
import Foundation
import Logging

/// `coroner serve`: the fleet collector.
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Collect kernel crashes from many machines: netconsole over UDP, uploads over HTTP.",
    discussion: """
      Receives extended and legacy netconsole on one UDP port (netconsole=+r@…,6666@COLLECTOR/), \
      cuts crash reports out of each host's stream, buckets them by title and trace, and serves \
      the buckets as JSON (GET /api/v1/buckets), as a dashboard (/), and as Prometheus metrics \
      (/metrics). Uploads from `coroner send` arrive at POST /api/v1/crashes with a per-host token \
      (`coroner token add HOST`). Prints one `ready` line when both sockets are bound; stops \
      gracefully on SIGTERM or SIGINT.
      """)

  @Option(help: "UDP address for netconsole, ADDR:PORT or [ADDR]:PORT (default [::]:6666).")
  var udp: String?

  @Option(help: "HTTP address for the API and dashboard (default 127.0.0.1:8666).")
  var http: String?

  @Option(
    help: "Store: sqlite:PATH (default sqlite:coroner-collector.sqlite) or postgres://USER@HOST:PORT/DB.")
  var database: String?

  @Option(help: "A config file of `key = value` lines (flags win).")
  var config: String?

  @Flag(help: "Check the configuration and the database, then exit.")
  var checkConfig = false

  func run() async throws {
    var settings = CollectorConfiguration()
    do {
      if let config {
        guard let data = FileManager.default.contents(atPath: config) else {
          throw CollectorError.file(path: config, problem: "cannot be read")
        }
        try settings.apply(file: String(decoding: data, as: UTF8.self), path: config)
      }
      if let udp { try settings.set("udp", udp, field: "--udp") }
      if let http { try settings.set("http", http, field: "--http") }
      if let database { try settings.set("database", database, field: "--database") }
      for (key, path) in [
        ("maintainers", settings.maintainersPath), ("debug_dir", settings.examine.debugDirectory),
      ] {
        if let path, !FileManager.default.isReadableFile(atPath: path) {
          throw CollectorError.file(path: path, problem: "\(key): cannot be read")
        }
      }
    } catch {
      CollectorTerminal.error("error: \(error)")
      throw ExitCode(64)
    }
    var logger = Logger(label: "coroner.serve")
    logger.logLevel = .info
    let store: CrashStore
    do {
      let opened = try await CollectorDatabase.open(settings.database, logger: logger)
      store = CrashStore(database: opened, goneAfter: Int64(settings.goneAfterDays) * 86_400)
    } catch {
      CollectorTerminal.error("error: database \(settings.database): \(error)")
      throw ExitCode(69)
    }
    if checkConfig {
      print("configuration ok: udp \(settings.udp) http \(settings.http) database \(settings.database)")
      try? await store.database.close()
      return
    }
    let database = settings.database
    let server = CollectorServer(configuration: settings, store: store, logger: logger) { ready in
      // The readiness line: one line, stable words, for systemd units and scripts.
      print(
        "coroner serve: ready udp \(ready.udp.map(Self.describe) ?? "-") http \(ready.http.map(Self.describe) ?? "-") database \(database)"
      )
      fflush(stdout)
    }
    do {
      try await server.run()
    } catch {
      CollectorTerminal.error("error: \(error)")
      try? await store.database.close()
      throw ExitCode(70)
    }
    try? await store.database.close()
    print("coroner serve: stopped")
  }

  static func describe(_ address: some CustomStringConvertible) -> String {
    // SocketAddress prints as "[IPv4]127.0.0.1/127.0.0.1:6666"; keep ADDR:PORT.
    let text = "\(address)"
    guard let slash = text.lastIndex(of: "/") else { return text }
    let rest = text[text.index(after: slash)...]
    return text.hasPrefix("[IPv6]")
      ? "[" + rest.split(separator: ":").dropLast().joined(separator: ":") + "]:"
        + (rest.split(separator: ":").last ?? "") : String(rest)
  }
}

enum CollectorTerminal {
  static func error(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
  }
}
