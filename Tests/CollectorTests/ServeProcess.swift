import Collector
import Foundation
import TestSupport
import XCTest

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The `coroner` built with the tests, run as a child process: `coroner serve` on
/// loopback ports the kernel picks, and the client commands (`send`, `token`, `pstore`).
final class ServeProcess: @unchecked Sendable {
  let process: Process
  let udpPort: Int
  let httpPort: Int
  let database: String
  let log: URL

  /// The coroner binary beside the test bundle.
  static func coroner(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    try BuiltCoroner.url(beside: ServeProcess.self, file: file, line: line)
  }

  /// Starts `coroner serve` over `database` (`sqlite:PATH`) and waits for its ready line.
  static func start(
    database: String, folder: URL, udp: String = "127.0.0.1:0", extra: [String] = []
  ) throws -> ServeProcess {
    let log = folder.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let output = try FileHandle(forWritingTo: log)
    let process = Process()
    process.executableURL = try coroner()
    process.arguments = ["serve", "--udp", udp, "--http", "127.0.0.1:0", "--database", database] + extra
    process.standardOutput = output
    process.standardError = output
    try process.run()
    try? output.close()
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      if let ready = text.split(separator: "\n").first(where: { $0.hasPrefix("coroner serve: ready") }) {
        let words = ready.split(separator: " ")
        func port(after key: String) -> Int? {
          guard let index = words.firstIndex(of: Substring(key)), index + 1 < words.count else { return nil }
          return words[index + 1].split(separator: ":").last.flatMap { Int($0) }
        }
        guard let udp = port(after: "udp"), let http = port(after: "http") else { break }
        return ServeProcess(process: process, udpPort: udp, httpPort: http, database: database, log: log)
      }
      if !process.isRunning { break }
      usleep(50_000)
    }
    process.terminate()
    let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    throw ServeFailure(message: "coroner serve did not become ready: \(text)")
  }

  private init(process: Process, udpPort: Int, httpPort: Int, database: String, log: URL) {
    self.process = process
    self.udpPort = udpPort
    self.httpPort = httpPort
    self.database = database
    self.log = log
  }

  var base: String { "http://127.0.0.1:\(httpPort)/" }

  /// SIGKILL: no shutdown, no flush; what the store acknowledged must still be there.
  func kill() {
    Foundation.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// SIGTERM, the graceful stop.
  func stop() {
    guard process.isRunning else { return }
    process.terminate()
    process.waitUntilExit()
  }

  deinit { if process.isRunning { kill() } }

  func get(_ path: String) async throws -> (status: Int, body: Data) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: base + path)!)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
  }

  func buckets() async throws -> [BucketSummary] {
    let (status, data) = try await get("api/v1/buckets")
    XCTAssertEqual(status, 200)
    return try JSONDecoder().decode(RunningCollector.Buckets.self, from: data).buckets
  }

  /// Runs the test's coroner with `arguments`; returns its exit status and output.
  static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = try coroner()
    process.arguments = arguments
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-out-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: file.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: file) }
    let handle = try FileHandle(forWritingTo: file)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    try? handle.close()
    return (process.terminationStatus, (try? String(contentsOf: file, encoding: .utf8)) ?? "")
  }
}

struct ServeFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

extension XCTestCase {
  /// A fresh folder removed when the test ends.
  func temporaryFolder() throws -> URL {
    let folder = URL(fileURLWithPath: try StoreBackends.temporaryDirectory())
    addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
    return folder
  }
}
