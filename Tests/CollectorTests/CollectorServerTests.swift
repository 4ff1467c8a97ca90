import Collector
import Foundation
import KernelLog
import XCTest

/// `coroner serve` end to end on loopback: forged netconsole hosts, uploads.
final class CollectorServerTests: XCTestCase {
  func testNetconsoleCrashesFromManyHostsLandInOneBucketEach() async throws {
    let collector = try await RunningCollector.start(store: try await StoreBackends.sqlite())
    let oops = try LabLogs.bytes("6.1-oops.log")
    let warn = try LabLogs.bytes("6.1-warn.log")
    // Three hosts send the oops (extended, one with IPv4 fragments and reordering), one the
    // warning as legacy text.
    for index in 1...3 {
      let host = try ForgedHost(source: "127.0.0.\(10 + index)")
      var forge = NetconsoleForge()
      forge.chunk = index == 2 ? 200 : 1000
      var payloads = forge.payloads(log: oops)
      if index == 2 { for i in stride(from: 0, to: payloads.count - 1, by: 5) { payloads.swapAt(i, i + 1) } }
      for payload in payloads { host.send(payload, to: collector.udpPort) }
    }
    let legacy = try ForgedHost(source: "127.0.0.20")
    var offset = 0
    while offset < warn.count {
      legacy.send(Array(warn[offset..<min(warn.count, offset + 1000)]), to: collector.udpPort)
      offset += 1000
    }
    let oopsTitle = "BUG: unable to handle kernel NULL pointer dereference in det_oops_fn"
    let warnTitle = try XCTUnwrap(CrashReportParser().reports(inLog: warn).first?.title)
    let arrived = try await collector.wait(seconds: 15) {
      let buckets = try await collector.buckets()
      return buckets.first { $0.title == oopsTitle }?.count == 3 && buckets.contains { $0.title == warnTitle }
    }
    let buckets = try await collector.buckets()
    XCTAssertTrue(arrived, "\(buckets)")
    let oopsBucket = try XCTUnwrap(buckets.first { $0.title == oopsTitle })
    XCTAssertEqual(oopsBucket.hosts, 3)
    XCTAssertEqual(oopsBucket.kind, "NULL-POINTER-DEREFERENCE")
    XCTAssertEqual(buckets.first { $0.title == warnTitle }?.hosts, 1)
    let value1 = try await collector.metric("coroner_netconsole_lost_total")
    XCTAssertEqual(value1, 0)
    try await collector.stop()
    let host = try await XCTUnwrapAsync(try await collector.store.host(named: "127.0.0.12"))
    XCTAssertEqual(host.release, "6.1.0-56-amd64")
    XCTAssertEqual(host.lost, 0)
    XCTAssertEqual(host.messages, Int64(FixtureCount.records(oops)))
    try await collector.store.database.close()
  }

  /// Past the host limit the quietest hosts are let go: their open reports are still
  /// cut and stored, and the metrics count them.
  func testHostsPastTheLimitAreLetGoWithoutLosingTheirCrashes() async throws {
    let collector = try await RunningCollector.start(store: try await StoreBackends.sqlite()) {
      $0.shards = 1
      $0.maximumHosts = 4
    }
    let oops = try LabLogs.bytes("6.1-oops.log")
    for index in 1...10 {
      let host = try ForgedHost(source: "127.0.0.\(40 + index)")
      var forge = NetconsoleForge()
      for payload in forge.payloads(log: oops) { host.send(payload, to: collector.udpPort) }
    }
    let title = "BUG: unable to handle kernel NULL pointer dereference in det_oops_fn"
    let arrived = try await collector.wait(seconds: 20) {
      try await collector.buckets().first { $0.title == title }?.count == 10
    }
    let buckets = try await collector.buckets()
    XCTAssertTrue(arrived, "\(buckets)")
    XCTAssertEqual(buckets.first { $0.title == title }?.hosts, 10)
    let evicted = try await collector.metric("coroner_netconsole_hosts_evicted_total")
    XCTAssertGreaterThanOrEqual(evicted, 6)
    let tracked = try await collector.metric("coroner_netconsole_hosts_tracked{shard=\"0\"}")
    XCTAssertLessThanOrEqual(tracked, 4)
    try await collector.stop()
    try await collector.store.database.close()
  }

  func testBadDatagramsAreCountedByReasonAndTheServerGoesOn() async throws {
    let collector = try await RunningCollector.start(store: try await StoreBackends.sqlite()) {
      $0.perSourceRate = 200
    }
    let host = try ForgedHost(source: "127.0.0.30")
    var forge = NetconsoleForge()
    for payload in forge.payloads(text: "netconsole: network logging started", timestampMicroseconds: 1) {
      host.send(payload, to: collector.udpPort)
    }
    host.send([UInt8](repeating: 0x41, count: 3000), to: collector.udpPort)  // oversized
    host.send(Array("6,1,2".utf8), to: collector.udpPort)  // truncated
    host.send(Array("6,9,9,-,ncfrag=5/3;xx".utf8), to: collector.udpPort)  // bogus ncfrag
    host.send(Array("6,9,9,-,caller=T1,caller=T1;xx".utf8), to: collector.udpPort)  // duplicate key
    // A header that is not UTF-8.
    host.send([0x36, 0x2C, 0xC3, 0x28, 0x2C, 0x31, 0x2C, 0x2D, 0x3B, 0x78], to: collector.udpPort)
    forge.sequence = 40  // 39 records never sent: a gap
    for payload in forge.payloads(text: "after the gap", timestampMicroseconds: 2) {
      host.send(payload, to: collector.udpPort)
    }
    // A flood from one more source: past its 200/s (burst 400) the rest is refused.
    let flooder = try ForgedHost(source: "127.0.0.31")
    var flood = NetconsoleForge()
    for _ in 0..<3000 {
      for payload in flood.payloads(text: "spam", timestampMicroseconds: 3) {
        flooder.send(payload, to: collector.udpPort)
      }
    }
    let counted = try await collector.wait {
      let refused = { (reason: String) in "coroner_netconsole_refused_total{reason=\"\(reason)\"}" }
      let oversized = try await collector.metric(refused("oversized"))
      let badHeader = try await collector.metric(refused("bad_header"))
      let badFragment = try await collector.metric(refused("bad_fragment"))
      let duplicateKey = try await collector.metric(refused("duplicate_key"))
      let flood = try await collector.metric(refused("flood"))
      let lost = try await collector.metric("coroner_netconsole_lost_total")
      return oversized == 1 && badHeader == 2 && badFragment == 1 && duplicateKey == 1 && flood > 2000
        && lost >= 39
    }
    let (_, metrics) = try await collector.request("GET", "/metrics")
    XCTAssertTrue(counted, String(decoding: metrics, as: UTF8.self))
    // The server still takes good data from the flooded-out host's neighbour.
    let value2 = try await collector.request("GET", "/healthz").status
    XCTAssertEqual(value2, 200)
    try await collector.stop()
    let quiet = try await XCTUnwrapAsync(try await collector.store.host(named: "127.0.0.30"))
    XCTAssertEqual(quiet.refused, 5)
    XCTAssertEqual(quiet.lost, 39, "the gap; the flooder's refused records are its own gaps")
    XCTAssertEqual(quiet.messages, 2)
    let loud = try await XCTUnwrapAsync(try await collector.store.host(named: "127.0.0.31"))
    XCTAssertGreaterThan(loud.refused, 2000)
    try await collector.store.database.close()
  }

  func testUploadsNeedATokenAndRefuseBadBodiesWithReasons() async throws {
    let collector = try await RunningCollector.start(store: try await StoreBackends.sqlite()) {
      $0.limits.maximumBody = 256 * 1024
    }
    let token = try await collector.store.addToken(host: "db-12")
    let oops = try LabLogs.bytes("6.1-oops.log")
    let upload = CrashUpload(
      kind: .capture,
      files: [
        .init(name: "crash.json", bytes: Array(#"{"kernel": {"release": "6.1.0-56-amd64"}}"#.utf8)),
        .init(name: "dmesg.txt", bytes: oops),
      ])
    let body = try JSONEncoder().encode(upload)

    var answer = try await collector.request("POST", "/api/v1/crashes", body: body)
    XCTAssertEqual(answer.status, 401)
    XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("missing token"))
    answer = try await collector.request("POST", "/api/v1/crashes", body: body, token: "crn_wrong")
    XCTAssertEqual(answer.status, 403)
    answer = try await collector.request(
      "POST", "/api/v1/crashes", body: Data("{\"kind\": \"capture\", ".utf8), token: token)
    XCTAssertEqual(answer.status, 400)
    XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("malformed upload JSON"))
    answer = try await collector.request(
      "POST", "/api/v1/crashes", body: Data(#"{"kind": "tape", "files": []}"#.utf8), token: token)
    XCTAssertEqual(answer.status, 400)
    answer = try await collector.request(
      "POST", "/api/v1/crashes", body: Data(count: 300 * 1024), token: token)
    XCTAssertEqual(answer.status, 413)

    answer = try await collector.request(
      "POST", "/api/v1/crashes", body: body, token: token, headers: ["Idempotency-Key": "k1"])
    XCTAssertEqual(answer.status, 201, String(decoding: answer.body, as: UTF8.self))
    answer = try await collector.request(
      "POST", "/api/v1/crashes", body: body, token: token, headers: ["Idempotency-Key": "k1"])
    XCTAssertEqual(answer.status, 201)
    XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("\"duplicate\":true"))
    answer = try await collector.request("POST", "/api/v1/console", body: Data(oops), token: token)
    XCTAssertEqual(answer.status, 201)

    let buckets = try await collector.buckets()
    XCTAssertEqual(buckets.count, 1)
    XCTAssertEqual(buckets.first?.count, 2, "the retried upload counted once, the console upload once")
    XCTAssertEqual(buckets.first?.hosts, 1, "one token, one host")
    let value3 = try await collector.metric("coroner_ingest_requests_total{outcome=\"refused_400\"}")
    XCTAssertEqual(value3, 2)
    let value4 = try await collector.metric("coroner_ingest_requests_total{outcome=\"refused_413\"}")
    XCTAssertEqual(value4, 1)
    let value5 = try await collector.metric("coroner_ingest_requests_total{outcome=\"refused_401\"}")
    XCTAssertEqual(value5, 1)
    let value6 = try await collector.metric("coroner_ingest_requests_total{outcome=\"refused_403\"}")
    XCTAssertEqual(value6, 1)
    try await collector.stop()
    try await collector.store.database.close()
  }

  func testSendSpoolsWhileTheCollectorIsDownAndDeliversLater() async throws {
    let directory = try StoreBackends.temporaryDirectory()
    let folder = directory + "/pstore-20261204"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try Data(try LabLogs.bytes("6.1-panic.log")).write(to: URL(fileURLWithPath: folder + "/dmesg.txt"))
    try Data("dmesg.txt: dmesg-ramoops-0\n".utf8).write(to: URL(fileURLWithPath: folder + "/manifest.txt"))
    let spool = CrashSpool(directory: directory + "/spool")
    try spool.add(try CrashSpool.upload(from: folder))
    XCTAssertEqual(spool.pending().count, 1)
    var retry = CrashSpool.Retry()
    retry.attempts = 2
    retry.firstDelay = 0.05
    // Nothing listens on this port: the upload stays spooled.
    let down = await spool.send(to: URL(string: "http://127.0.0.1:9/")!, token: "t", retry: retry)
    XCTAssertEqual([down.sent, down.refused.count, down.remaining], [0, 0, 1])
    XCTAssertEqual(spool.pending().count, 1)

    let collector = try await RunningCollector.start(store: try await StoreBackends.sqlite())
    let token = try await collector.store.addToken(host: "edge-3")
    let wrong = await spool.send(to: collector.base, token: "crn_bad", retry: retry)
    XCTAssertEqual(wrong.refused.count, 1, "a bad token is refused for good: set aside with its reason")
    XCTAssertEqual(spool.pending().count, 0)
    try spool.add(try CrashSpool.upload(from: folder))
    let sent = await spool.send(to: collector.base, token: token, retry: retry)
    XCTAssertEqual(sent.sent, 1)
    XCTAssertEqual(spool.pending().count, 0)
    let buckets = try await collector.buckets()
    let expected = CrashReportParser().reports(inLog: try LabLogs.bytes("6.1-panic.log")).map(\.title)
    XCTAssertEqual(Set(buckets.map(\.title)), Set(expected))
    try await collector.stop()
    try await collector.store.database.close()
  }
}
