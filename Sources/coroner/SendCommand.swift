import ArgumentParser
import Collector
import Foundation

/// `coroner send`: upload crash folders to a collector, through a spool.
struct SendCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "send",
    abstract: "Send crash folders (capture, pstore, console text) to a `coroner serve` collector.",
    discussion: """
      Each folder is first written to the spool, then the whole spool is sent, retrying with \
      back-off; an upload leaves the spool only when the collector acknowledged it. Uploads \
      the collector refused (bad token, too large) move to SPOOL/refused with the reason. \
      With no folder, only the spool is sent.
      """)

  @Argument(help: "Crash folders or console log files.")
  var folders: [String] = []

  @Option(help: "The collector's base URL, e.g. http://collector:8666/.")
  var to: String

  @Option(help: "This host's API token (or the environment variable CORONER_TOKEN).")
  var token: String?

  @Option(help: "The spool folder.")
  var spool: String = "/var/spool/coroner"

  @Option(help: "Attempts per upload before it is left in the spool.")
  var attempts = 8

  @Option(help: "First back-off delay in seconds; it doubles up to 60.")
  var delay = 1.0

  func run() async throws {
    guard let url = URL(string: to), url.scheme == "http" || url.scheme == "https" else {
      CollectorTerminal.error("error: --to: expected an http:// or https:// URL, got '\(to)'")
      throw ExitCode(64)
    }
    guard let token = token ?? ProcessInfo.processInfo.environment["CORONER_TOKEN"] else {
      CollectorTerminal.error("error: --token (or CORONER_TOKEN) is required")
      throw ExitCode(64)
    }
    let queue = CrashSpool(directory: spool)
    do {
      for folder in folders { try queue.add(try CrashSpool.upload(from: folder)) }
    } catch {
      CollectorTerminal.error("error: \(error)")
      throw ExitCode(66)
    }
    var retry = CrashSpool.Retry()
    retry.attempts = max(1, attempts)
    retry.firstDelay = max(0, delay)
    let outcome = await queue.send(to: url, token: token, retry: retry) { print($0) }
    print("sent \(outcome.sent), refused \(outcome.refused.count), left in \(spool): \(outcome.remaining)")
    if outcome.remaining > 0 { throw ExitCode(75) }  // EX_TEMPFAIL: try again later
    if !outcome.refused.isEmpty { throw ExitCode(65) }
  }
}

/// `coroner token`: per-host upload tokens in the collector's store.
struct TokenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "token",
    abstract: "Add or revoke a host's upload token in a collector's database.",
    discussion: "The token is printed once; the database keeps only its SHA-256.")

  @Argument(help: "add or revoke")
  var action: String

  @Argument(help: "The host the token names.")
  var host: String

  @Option(help: "The collector's database: sqlite:PATH or postgres://….")
  var database: String

  func run() async throws {
    let location: CollectorDatabase.Location
    do {
      location = try CollectorDatabase.Location(parsing: database)
    } catch {
      CollectorTerminal.error("error: \(error)")
      throw ExitCode(64)
    }
    guard action == "add" || action == "revoke" else {
      CollectorTerminal.error("error: expected add or revoke, got '\(action)'")
      throw ExitCode(64)
    }
    let store = CrashStore(
      database: try await CollectorDatabase.open(location, logger: .init(label: "coroner.token")))
    let revoked = action == "revoke" ? try await store.revokeToken(host: host) : true
    if action == "add" { print(try await store.addToken(host: host)) }
    try await store.database.close()
    if !revoked {
      CollectorTerminal.error("error: \(host) has no token to revoke")
      throw ExitCode(1)
    }
  }
}
