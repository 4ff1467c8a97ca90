import Collector
import Foundation
import XCTest

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A collector killed with SIGKILL in the middle of ingest loses nothing it acknowledged:
/// a 201 is sent only after the upload's transaction committed, and SQLite in WAL mode
/// has the commit in the log file (the page cache) before it returns, which a killed
/// process cannot take back (https://sqlite.org/wal.html).
final class CollectorKillTests: XCTestCase {
  func testKillNineDuringIngestLosesNoAcknowledgedUpload() async throws {
    let folder = try temporaryFolder()
    let database = "sqlite:" + folder.appendingPathComponent("collector.sqlite").path
    let check = try ServeProcess.run(["serve", "--database", database, "--check-config"])
    XCTAssertEqual(check.status, 0, check.output)
    let added = try ServeProcess.run(["token", "add", "kill-test", "--database", database])
    XCTAssertEqual(added.status, 0, added.output)
    let token = try XCTUnwrap(added.output.split(separator: "\n").last.map(String.init))
    let oops = String(decoding: try LabLogs.bytes("6.1-oops.log"), as: UTF8.self)
    XCTAssertTrue(oops.contains("det_oops_fn"))

    let serve = try ServeProcess.start(database: database, folder: folder)
    let acknowledged = Acknowledged()
    // Uploads go on from 4 clients until the collector dies under them; each is a crash
    // of its own (its own function, so its own bucket) with its own idempotency key.
    let url = URL(string: serve.base + "api/v1/console")!
    let clients = (0..<4).map { client in
      Task {
        var index = client
        while index < 100_000 {
          let name = "det_oops_fn_\(index)"
          var request = URLRequest(url: url)
          request.httpMethod = "POST"
          request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
          request.setValue("kill-\(index)", forHTTPHeaderField: "Idempotency-Key")
          request.httpBody = Data(oops.replacingOccurrences(of: "det_oops_fn", with: name).utf8)
          guard let (_, response) = try? await URLSession.shared.data(for: request) else { return }
          if (response as? HTTPURLResponse)?.statusCode == 201 { acknowledged.add(index, name) }
          index += 4
        }
      }
    }
    // Kill once a good number was acknowledged: uploads are then in flight.
    let deadline = Date().addingTimeInterval(60)
    while acknowledged.count < 60 && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
    serve.kill()
    for client in clients { await client.value }
    let acked = acknowledged.all
    XCTAssertGreaterThanOrEqual(acked.count, 60, "uploads acknowledged before the kill")

    let restarted = try ServeProcess.start(database: database, folder: folder)
    defer { restarted.stop() }
    let titles = Set(try await restarted.buckets().map(\.title))
    let missing = acked.filter {
      !titles.contains("BUG: unable to handle kernel NULL pointer dereference in \($0.name)")
    }
    XCTAssertEqual(missing.map(\.name), [], "acknowledged before the kill, gone after it")
    // The store also kept each upload's key: resending an acknowledged one is a duplicate.
    let first = try XCTUnwrap(acked.first)
    var request = URLRequest(url: URL(string: restarted.base + "api/v1/console")!)
    request.httpMethod = "POST"
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    request.setValue("kill-\(first.index)", forHTTPHeaderField: "Idempotency-Key")
    request.httpBody = Data(oops.replacingOccurrences(of: "det_oops_fn", with: first.name).utf8)
    let (body, _) = try await URLSession.shared.data(for: request)
    XCTAssertTrue(String(decoding: body, as: UTF8.self).contains("\"duplicate\":true"))
  }
}

/// The uploads the collector answered 201, from several client tasks.
private final class Acknowledged: @unchecked Sendable {
  private let lock = NSLock()
  private var entries: [(index: Int, name: String)] = []

  func add(_ index: Int, _ name: String) {
    lock.lock()
    entries.append((index, name))
    lock.unlock()
  }

  var count: Int {
    lock.lock()
    defer { lock.unlock() }
    return entries.count
  }

  var all: [(index: Int, name: String)] {
    lock.lock()
    defer { lock.unlock() }
    return entries
  }
}
