import Collector
import Foundation
import KernelLog
import XCTest

/// The dashboard as a real browser renders it: headless Chromium (Debian's
/// `chromium`) loads each page; the test reads the DOM it built and keeps a
/// screenshot of each page in `.build/collector-screenshots` (or $COLLECTOR_ARTIFACTS).
final class DashboardBrowserTests: XCTestCase {
  static let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  func chromium(_ arguments: [String]) throws -> String {
    guard let browser = Self.browser else { throw XCTSkip("chromium is not installed") }
    let options = [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      "--user-data-dir=" + NSTemporaryDirectory() + "coroner-chromium-\(getpid())",
    ]
    return try PostgresCluster.run(browser, options + arguments)
  }

  func testEveryPageRendersInChromium() async throws {
    if Self.browser == nil, ProcessInfo.processInfo.environment["CI"] == "true" {
      XCTFail("chromium is not installed: run scripts/install-prerequisites")
      return
    }
    guard Self.browser != nil else { throw XCTSkip("chromium is not installed") }
    let collector = try await RunningCollector.start(store: try await StoreBackends.sqlite())
    let store = collector.store
    let now = Int64(Date().timeIntervalSince1970)
    for (index, name) in ["6.1-oops.log", "6.1-oops.log", "6.1-warn.log", "6.1-bug.log"].enumerated() {
      let report = try XCTUnwrap(CrashReportParser().reports(inLog: try LabLogs.bytes(name)).first)
      try await store.record([
        CrashArrival(
          report: report, host: HostIdentity(name: "10.9.0.\(index % 2 + 1)", kind: .netconsole),
          release: "6.1.0-56-amd64", source: "netconsole", received: now - Int64(index) * 86_400)
      ])
    }
    let buckets = try await store.buckets()
    let oops = try XCTUnwrap(buckets.first { $0.title.contains("det_oops_fn") })
    let artifacts =
      ProcessInfo.processInfo.environment["COLLECTOR_ARTIFACTS"] ?? StoreBackends.repository
      + "/.build/collector-screenshots"
    try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)

    let pages: [(name: String, path: String, expect: [String])] = [
      ("buckets", "/", [oops.title, "<svg class=\"spark\"", "3 buckets", "new in 6.1.0-56-amd64"]),
      (
        "bucket", "/buckets/\(oops.id)",
        ["det_oops_fn", "<dd id=\"count\">2</dd>", "10.9.0.1", "10.9.0.2", "Newest reports"]
      ),
      ("host", "/hosts/10.9.0.1", ["Host 10.9.0.1", "det_oops_fn", "Netconsole"]),
      ("hosts", "/hosts", ["10.9.0.1", "10.9.0.2"]),
      ("search", "/?q=det_warn", ["1 bucket matching", "WARNING"]),
    ]
    for page in pages {
      let url = collector.base.absoluteString.dropLast() + page.path
      let dom = try chromium(["--dump-dom", String(url)])
      for expected in page.expect {
        XCTAssertTrue(
          dom.contains(expected), "\(page.name): '\(expected)' not rendered:\n\(dom.prefix(3000))")
      }
      XCTAssertFalse(dom.contains(oops.title) && page.name == "search", "search for det_warn shows the oops")
      _ = try chromium(["--screenshot=\(artifacts)/\(page.name).png", "--window-size=1200,900", String(url)])
      XCTAssertTrue(FileManager.default.fileExists(atPath: "\(artifacts)/\(page.name).png"), page.name)
    }
    try await collector.stop()
    try await store.database.close()
  }
}
