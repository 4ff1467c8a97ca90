import Collector
import KernelLog
import XCTest

final class CrashStoreTests: XCTestCase {
  static let template = CrashReportParser().reports(inLog: (try? LabLogs.bytes("6.1-oops.log")) ?? [])[0]

  func report(
    _ title: String, alt: [String] = [], frames: [String] = [], corrupted: Bool = false
  ) -> CrashReport {
    // A real report, renamed: the store reads only title, type, frames and log.
    var report = Self.template
    report.type = CrashType.of(title: title)
    report.title = title
    report.altTitles = alt
    report.corrupted = corrupted
    report.frames = frames.map { StackFrame(function: $0, reliable: true) }
    report.guiltyFrame = frames.first
    return report
  }

  func arrival(
    _ report: CrashReport, host: String, release: String? = "6.1.0-28-amd64", at time: Int64
  ) -> CrashArrival {
    CrashArrival(
      report: report, host: HostIdentity(name: host, kind: .netconsole), release: release,
      source: "netconsole", received: time)
  }

  func testBucketsCountHostsDaysReleasesOnBothBackends() async throws {
    try await StoreBackends.each { backend, store in
      let day0: Int64 = 1_700_006_400  // a midnight UTC
      let oops = report(
        "BUG: unable to handle kernel NULL pointer dereference in det_oops_write",
        frames: ["det_oops_write", "vfs_write"])
      try await store.record([arrival(oops, host: "10.0.0.1", at: day0 + 10)])
      try await store.record([arrival(oops, host: "10.0.0.2", at: day0 + 86_400 + 5)])
      try await store.record([
        arrival(oops, host: "10.0.0.2", release: "6.12.9-amd64", at: day0 + 86_400 + 50)
      ])
      let warn = report("WARNING in det_warn_write", frames: ["det_warn_write"])
      try await store.record([arrival(warn, host: "10.0.0.3", at: day0 + 20)])

      let buckets = try await store.buckets()
      XCTAssertEqual(buckets.map(\.title), [oops.title, warn.title], backend)
      XCTAssertEqual(buckets.map(\.count), [3, 1], backend)
      XCTAssertEqual(buckets.map(\.hosts), [2, 1], backend)
      XCTAssertEqual(buckets[0].firstSeen, day0 + 10, backend)
      XCTAssertEqual(buckets[0].lastSeen, day0 + 86_400 + 50, backend)
      XCTAssertEqual(buckets[0].firstRelease, "6.1.0-28-amd64", backend)

      let detail = try await XCTUnwrapAsync(try await store.bucket(id: buckets[0].id))
      XCTAssertEqual(detail.perDay.map(\.count), [1, 2], backend)
      XCTAssertEqual(detail.perDay[1].day - detail.perDay[0].day, 1, backend)
      XCTAssertEqual(detail.perRelease.map(\.release), ["6.1.0-28-amd64", "6.12.9-amd64"], backend)
      XCTAssertEqual(detail.perHost.map(\.host), ["10.0.0.2", "10.0.0.1"], backend)
      XCTAssertEqual(detail.newest.first?.release, "6.12.9-amd64", backend)
      XCTAssertEqual(detail.newest.first?.frames, ["det_oops_write", "vfs_write"], backend)

      let found = try await store.buckets(search: "VFS_WRITE")
      XCTAssertEqual(found.map(\.title), [oops.title], "search reaches trace functions (\(backend))")
      let value1 = try await store.buckets(search: "det_warn").map(\.title)
      XCTAssertEqual(value1, [warn.title], backend)
      let value2 = try await store.buckets(newIn: "6.12.9-amd64")
      XCTAssertEqual(value2, [], backend)

      let host = try await XCTUnwrapAsync(try await store.host(named: "10.0.0.2"))
      XCTAssertEqual(host.crashes.count, 2, backend)
      XCTAssertEqual(host.release, "6.12.9-amd64", backend)
    }
  }

  func testAlternativeTitlesMergeBucketsAndVagueTitlesSplitByFrames() async throws {
    try await StoreBackends.each { backend, store in
      let first = report(
        "KASAN: use-after-free Read in foo_release", alt: ["KASAN: use-after-free Read in foo_put"],
        frames: ["foo_release"])
      let second = report("KASAN: use-after-free Read in foo_put", frames: ["foo_put"])
      try await store.record([arrival(first, host: "a", at: 100), arrival(second, host: "b", at: 200)])
      let vagueA = report("kernel panic: Attempted to kill init!", frames: ["do_exit", "det_exit_init"])
      let vagueB = report("kernel panic: Attempted to kill init!", frames: ["do_exit", "other_driver_exit"])
      let outcomes = try await store.record([
        arrival(vagueA, host: "a", at: 300), arrival(vagueB, host: "a", at: 301),
      ])
      XCTAssertEqual(outcomes?.map(\.isNewBucket), [true, true], backend)
      let buckets = try await store.buckets()
      XCTAssertEqual(buckets.count, 3, "\(backend): \(buckets.map(\.title))")
      let kasan = try XCTUnwrap(buckets.first { $0.title.hasPrefix("KASAN") })
      XCTAssertEqual(kasan.count, 2, "the alternative title led to the first bucket (\(backend))")
      XCTAssertEqual(kasan.kind, "KASAN-USE-AFTER-FREE-READ", backend)
    }
  }

  func testCameBackAndDuplicateUploadsAndTokens() async throws {
    try await StoreBackends.each { backend, store in
      var store = store
      store.goneAfter = 1000
      let oops = report("general protection fault in bar", frames: ["bar"])
      var outcome = try await store.record([arrival(oops, host: "h", at: 10)])
      XCTAssertEqual(outcome?.first?.cameBack, false, backend)
      outcome = try await store.record([arrival(oops, host: "h", at: 500)])
      XCTAssertEqual(outcome?.first?.cameBack, false, backend)
      outcome = try await store.record([arrival(oops, host: "h", at: 5000)])
      XCTAssertEqual(outcome?.first?.cameBack, true, "quiet for 4500 s > 1000 (\(backend))")
      let value3 = try await store.buckets().first?.cameBack
      XCTAssertEqual(value3, 5000, backend)

      let uploader = HostIdentity(name: "web-7", kind: .token)
      let upload = [
        CrashArrival(report: oops, host: uploader, release: nil, source: "console", received: 6000)
      ]
      let value4 = try await store.record(upload, uploadID: "web-7:abc", uploader: uploader)
      XCTAssertNotNil(value4, backend)
      let value5 = try await store.record(upload, uploadID: "web-7:abc", uploader: uploader)
      XCTAssertNil(value5, "a retried upload is stored once (\(backend))")
      let value6 = try await store.buckets().first?.count
      XCTAssertEqual(value6, 4, backend)

      let token = try await store.addToken(host: "web-7")
      let value7 = try await store.host(forToken: token)
      XCTAssertEqual(value7, "web-7", backend)
      let value8 = try await store.host(forToken: token + "x")
      XCTAssertNil(value8, backend)
      let stored = try await store.database.reader.raw("SELECT sha256 FROM tokens").all()
        .map { try $0.decode(column: "sha256", as: String.self) }
      XCTAssertEqual(stored.count, 1, backend)
      XCTAssertFalse(stored[0].contains(token), "only the digest is stored (\(backend))")
      let value9 = try await store.revokeToken(host: "web-7")
      XCTAssertTrue(value9, backend)
      let value10 = try await store.host(forToken: token)
      XCTAssertNil(value10, "a revoked token opens nothing (\(backend))")
    }
  }

  func testStreamCountsAddUpPerHost() async throws {
    try await StoreBackends.each { backend, store in
      var counts = NetconsoleHostCounts()
      counts.datagrams = 10
      counts.messages = 8
      counts.lost = 2
      counts.refused = 1
      counts.release = "6.1.0"
      try await store.addStreamCounts(["10.1.1.1": counts], at: 100)
      counts.restarts = 1
      try await store.addStreamCounts(["10.1.1.1": counts], at: 200)
      let host = try await XCTUnwrapAsync(try await store.host(named: "10.1.1.1"))
      XCTAssertEqual(
        [host.datagrams, host.messages, host.lost, host.restarts, host.refused], [20, 16, 4, 1, 2], backend)
      XCTAssertEqual(host.release, "6.1.0", backend)
    }
  }

  func testSchemaIsNotAppliedTwiceAndNewerStoresAreRefused() async throws {
    let path = try StoreBackends.temporaryDirectory() + "/s.sqlite"
    let first = try await CollectorDatabase.open(.sqlite(path: path), logger: StoreBackends.logger)
    try await first.transaction { db in try await db.raw("INSERT INTO schema_version VALUES (99, 0)").run() }
    try await first.close()
    do {
      _ = try await CollectorDatabase.open(.sqlite(path: path), logger: StoreBackends.logger)
      XCTFail("a newer schema must be refused")
    } catch let error as CollectorError {
      XCTAssertEqual(
        error, .schema(version: 99, expected: "at most 1; this store was written by a newer coroner"))
    }
  }
}

func XCTUnwrapAsync<T>(_ value: T?, file: StaticString = #filePath, line: UInt = #line) async throws -> T {
  try XCTUnwrap(value, file: file, line: line)
}
