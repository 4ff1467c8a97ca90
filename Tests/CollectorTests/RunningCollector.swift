import Collector
import Foundation
import NIOCore
import XCTest

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A `coroner serve` in the test process, on loopback ports the kernel picks.
final class RunningCollector: @unchecked Sendable {
  let server: CollectorServer
  let task: Task<Void, any Error>
  let udpPort: Int
  let httpPort: Int
  var store: CrashStore { server.store }

  static func start(
    store: CrashStore, configure: (inout CollectorConfiguration) -> Void = { _ in }
  ) async throws
    -> RunningCollector
  {
    var settings = CollectorConfiguration()
    settings.udp = .init(host: "127.0.0.1", port: 0)
    settings.http = .init(host: "127.0.0.1", port: 0)
    configure(&settings)
    let (readyStream, readyContinuation) = AsyncStream.makeStream(of: CollectorServer.Ready.self)
    let server = CollectorServer(
      configuration: settings, store: store, logger: StoreBackends.logger, handleSignals: false
    ) { readyContinuation.yield($0) }
    let task = Task { try await server.run() }
    var iterator = readyStream.makeAsyncIterator()
    guard let ready = await iterator.next(), let udp = ready.udp?.port, let http = ready.http?.port else {
      throw CollectorError.configuration(field: "test server", expected: "a ready line")
    }
    return RunningCollector(server: server, task: task, udpPort: udp, httpPort: http)
  }

  private init(server: CollectorServer, task: Task<Void, any Error>, udpPort: Int, httpPort: Int) {
    self.server = server
    self.task = task
    self.udpPort = udpPort
    self.httpPort = httpPort
  }

  func stop() async throws {
    await server.stop()
    try await task.value
  }

  var base: URL { URL(string: "http://127.0.0.1:\(httpPort)/")! }

  func request(
    _ method: String, _ path: String, body: Data? = nil, token: String? = nil, headers: [String: String] = [:]
  )
    async throws -> (status: Int, body: Data)
  {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(httpPort)\(path)")!)
    request.httpMethod = method
    request.httpBody = body
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
  }

  /// `GET /api/v1/buckets`: `{"buckets": [...]}`.
  struct Buckets: Decodable {
    var buckets: [BucketSummary]
  }

  func buckets() async throws -> [BucketSummary] {
    let (status, data) = try await request("GET", "/api/v1/buckets")
    XCTAssertEqual(status, 200)
    return try JSONDecoder().decode(Buckets.self, from: data).buckets
  }

  /// Polls until `condition` holds or `seconds` pass.
  func wait(seconds: Double = 10, for condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try await condition() { return true }
      try await Task.sleep(nanoseconds: 50_000_000)
    }
    return try await condition()
  }

  func metric(_ name: String) async throws -> Int64 {
    let (_, data) = try await request("GET", "/metrics")
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + " ")
    {
      return Int64(line.split(separator: " ").last ?? "") ?? 0
    }
    return 0
  }
}
