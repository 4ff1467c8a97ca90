import Collector
import Foundation
import KernelLog
import Lab
import TestSupport
import XCTest

/// The collector end to end on real kernels: a lab guest boots with netconsole aimed at
/// a `coroner serve` on the host, a detonator crashes it, and the collector's API shows
/// the crash in the bucket the serial console's report names, with the detonator as the
/// guilty frame. On 6.1 the same panic also reaches the collector from pstore and a
/// kdump capture folder through `coroner send`. One boot per kernel.
final class NetconsoleLabTests: XCTestCase {
  func test510NetconsoleCrashIsBucketed() async throws {
    try await crash(on: .v5_10)
  }

  func test61NetconsoleCrashIsBucketedAndPstoreAndCaptureArriveBySend() async throws {
    let folder = try temporaryFolder()
    let serve = try await crash(on: .v6_1, pstore: true, folder: folder)
    defer { serve.stop() }
    let token = try Self.token(host: "lab-6.1", database: serve.database)

    // The pstore records of the same panic, harvested as `coroner pstore` does on a
    // host, then sent: the same crash, so the same bucket, from a second host.
    let records = folder.appendingPathComponent("run/\(NetconsoleRun.pstoreFolder)")
    let harvest = folder.appendingPathComponent("harvest")
    let pstore = try ServeProcess.run(["pstore", "--from", records.path, "--to", harvest.path, "--keep"])
    XCTAssertEqual(pstore.status, 0, pstore.output)
    let boots = try FileManager.default.contentsOfDirectory(atPath: harvest.path)
    XCTAssertEqual(boots.count, 1, "one boot's folder: \(boots)")
    let bucketsBefore = try await serve.buckets()
    let netconsoleBucket = try XCTUnwrap(bucketsBefore.first)
    try send(harvest.appendingPathComponent(try XCTUnwrap(boots.first)).path, to: serve, token: token, folder)
    let afterPstore = try await poll(serve) { buckets in
      buckets.contains { $0.title == netconsoleBucket.title && $0.count == netconsoleBucket.count + 1 }
    }
    let merged = try XCTUnwrap(afterPstore.first { $0.title == netconsoleBucket.title })
    XCTAssertEqual(merged.hosts, 2, "the netconsole source and the token's host")
    let detail = try await bucketDetail(serve, title: merged.title)
    XCTAssertEqual(Set(detail.newest.map(\.source)), ["netconsole", "pstore"])

    // A capture folder (crash.json, dmesg.txt) from the lab's kdump-coroner scene.
    let scene = try LabGate.scene("panic", on: .v6_1, capture: .kdumpCoroner)
    let capture = scene.folder.appendingPathComponent(LabRunner.captureFolder)
    let expected = try Self.expectedReport(
      String(contentsOf: capture.appendingPathComponent("dmesg.txt"), encoding: .utf8))
    try send(capture.path, to: serve, token: token, folder)
    let afterCapture = try await poll(serve) { buckets in buckets.contains { $0.title == expected.title } }
    let captured = try XCTUnwrap(afterCapture.first { $0.title == expected.title })
    XCTAssertEqual(captured.count, 1)
    XCTAssertEqual(captured.hosts, 1)
    let captureDetail = try await bucketDetail(serve, title: captured.title)
    XCTAssertEqual(captureDetail.bucket.guilty_frame, scene.scene.guiltyFunction)
    XCTAssertEqual(captureDetail.newest.first?.source, "capture")
    XCTAssertEqual(captureDetail.newest.first?.release, scene.scene.kernel.release)
  }

  func test612NetconsoleCrashIsBucketed() async throws {
    try await crash(on: .v6_12)
  }

  // MARK: - One boot

  static let scenarioName = "oops"

  /// Boots `kernel` with netconsole to a fresh `coroner serve`, detonates, and checks
  /// the collector's bucket while the dead guest is still up. Returns the collector,
  /// still running, when `folder` is given (the caller stops it).
  @discardableResult
  func crash(
    on kernel: DebianKernel, pstore: Bool = false, folder given: URL? = nil
  ) async throws
    -> ServeProcess
  {
    let tree = try LabGate.kernelTree(kernel)
    let scenario = try ScenarioCatalogue.named(Self.scenarioName)
    let guilty = try XCTUnwrap(scenario.guiltyFunction)
    let folder = try given ?? temporaryFolder()
    let serve = try ServeProcess.start(
      database: "sqlite:" + folder.appendingPathComponent("collector.sqlite").path, folder: folder)
    var run = NetconsoleRun(
      scenario: scenario, kernel: tree, target: NetconsoleTarget(hostPort: serve.udpPort),
      out: folder.appendingPathComponent("run"))
    run.pstore = pstore
    run.accelerator = LabCache().host().flatMap { Accelerator(rawValue: $0.accelerator) } ?? .tcg
    run.timeoutScale = 2
    let result = try run.run()

    // What the serial console of the same boot says, parsed as `coroner examine` would.
    let expected = try Self.expectedReport(result.console)
    XCTAssertEqual(expected.guiltyFrame, guilty, expected.title)
    let buckets = try await poll(serve) { buckets in buckets.contains { $0.count > 0 } }
    var log = (try? String(contentsOf: serve.log, encoding: .utf8)) ?? ""
    if buckets.isEmpty {
      // What the collector counted says whether the records arrived and a report was cut.
      let metrics = try? await serve.get("metrics")
      log += metrics.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
    }
    XCTAssertEqual(buckets.count, 1, "one crash, one bucket: \(buckets.map(\.title)); serve said: \(log)")
    let bucket = try XCTUnwrap(buckets.first, "serve said: \(log)")
    XCTAssertEqual(bucket.title, expected.title)
    XCTAssertEqual(bucket.kind, expected.type.rawValue)
    XCTAssertEqual(bucket.count, 1)
    XCTAssertEqual(bucket.hosts, 1)
    let detail = try await bucketDetail(serve, title: bucket.title)
    XCTAssertEqual(detail.bucket.guilty_frame, guilty)
    XCTAssertEqual(detail.newest.first?.source, "netconsole")
    XCTAssertEqual(detail.newest.first?.release, tree.release)
    XCTAssertEqual(detail.newest.first?.guilty_frame, guilty)

    if given == nil { serve.stop() }
    return serve
  }

  /// The killer report of a console log, as the report parser finds it.
  static func expectedReport(_ console: String) throws -> CrashReport {
    let reports = CrashReportParser().reports(inLog: Array(console.utf8), evidenceKind: "console")
    return try XCTUnwrap(reports.first, "the serial console holds a crash report")
  }

  static func token(host: String, database: String) throws -> String {
    let added = try ServeProcess.run(["token", "add", host, "--database", database])
    XCTAssertEqual(added.status, 0, added.output)
    return try XCTUnwrap(added.output.split(separator: "\n").last.map(String.init), added.output)
  }

  func send(_ path: String, to serve: ServeProcess, token: String, _ folder: URL) throws {
    let sent = try ServeProcess.run([
      "send", path, "--to", serve.base, "--token", token, "--spool",
      folder.appendingPathComponent("spool").path,
      "--attempts", "3", "--delay", "0.2",
    ])
    XCTAssertEqual(sent.status, 0, sent.output)
  }

  /// Polls the bucket list until `condition` holds or 30 seconds pass (the collector
  /// cuts a report when the host has been quiet 1.5 s).
  func poll(
    _ serve: ServeProcess, _ condition: ([BucketSummary]) -> Bool
  ) async throws -> [BucketSummary] {
    let deadline = Date().addingTimeInterval(30)
    var buckets = try await serve.buckets()
    while !condition(buckets) && Date() < deadline {
      try await Task.sleep(nanoseconds: 200_000_000)
      buckets = try await serve.buckets()
    }
    return buckets
  }

  struct BucketDetail: Decodable {
    struct Summary: Decodable {
      var id: Int64
      var title: String
      var guilty_frame: String?
    }
    struct Crash: Decodable {
      var host: String
      var release: String?
      var source: String
      var guilty_frame: String?
    }
    var bucket: Summary
    var newest: [Crash]
  }

  func bucketDetail(_ serve: ServeProcess, title: String) async throws -> BucketDetail {
    struct Listed: Decodable {
      struct Bucket: Decodable {
        var id: Int64
        var title: String
      }
      var buckets: [Bucket]
    }
    let (_, list) = try await serve.get("api/v1/buckets")
    let listed = try JSONDecoder().decode(Listed.self, from: list)
    let id = try XCTUnwrap(listed.buckets.first { $0.title == title }?.id, "bucket \(title)")
    let (status, data) = try await serve.get("api/v1/buckets/\(id)")
    XCTAssertEqual(status, 200)
    return try JSONDecoder().decode(BucketDetail.self, from: data)
  }
}
