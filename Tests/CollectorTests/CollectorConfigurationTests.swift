import Collector
import XCTest

final class CollectorConfigurationTests: XCTestCase {
  func testEndpointsAndDatabaseURLs() throws {
    XCTAssertEqual(
      try CollectorConfiguration.Endpoint(parsing: "127.0.0.1:6666", field: "udp"),
      .init(host: "127.0.0.1", port: 6666))
    XCTAssertEqual(
      try CollectorConfiguration.Endpoint(parsing: "[::]:6666", field: "udp"), .init(host: "::", port: 6666))
    XCTAssertEqual(
      try CollectorConfiguration.Endpoint(parsing: ":80", field: "http"), .init(host: "::", port: 80))
    for bad in ["6666", "host:", "1.2.3.4:70000", "::1:80", "[::1]80"] {
      XCTAssertThrowsError(try CollectorConfiguration.Endpoint(parsing: bad, field: "udp"), bad)
    }
    XCTAssertEqual(
      try CollectorDatabase.Location(parsing: "sqlite:/var/lib/c.db"), .sqlite(path: "/var/lib/c.db"))
    XCTAssertEqual(
      try CollectorDatabase.Location(parsing: "postgres://u:secret@db:5432/c").description,
      "postgres://…@db:5432/c",
      "the password never reaches a log")
    XCTAssertThrowsError(try CollectorDatabase.Location(parsing: "mysql://x"))
    XCTAssertThrowsError(try CollectorDatabase.Location(parsing: "sqlite:"))
  }

  func testConfigFileLinesAndTheirErrors() throws {
    var settings = CollectorConfiguration()
    try settings.apply(
      file: """
        # collector
        udp = [::]:6667
        http = 0.0.0.0:8080   # all interfaces
        database = sqlite:/tmp/x.sqlite
        shards = 4
        open_reads = true
        """, path: "c.conf")
    XCTAssertEqual(settings.udp.port, 6667)
    XCTAssertEqual(settings.http.host, "0.0.0.0")
    XCTAssertEqual(settings.shards, 4)
    XCTAssertTrue(settings.openReads)
    XCTAssertThrowsError(try settings.apply(file: "shards = 0", path: "c.conf")) {
      XCTAssertEqual(
        $0 as? CollectorError,
        .configuration(field: "c.conf:1: shards", expected: "a number in 1...64, got '0'"))
    }
    XCTAssertThrowsError(try settings.apply(file: "\n\nport 6666", path: "c.conf")) {
      XCTAssertEqual($0 as? CollectorError, .configuration(field: "c.conf:3", expected: "key = value"))
    }
    XCTAssertThrowsError(try settings.apply(file: "colour = red", path: "c.conf"))
  }
}
