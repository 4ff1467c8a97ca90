import Foundation
import XCTest

@testable import Lab

/// The lab's Debian archive comes from apt's sources files, in both formats of
/// sources.list(5), or from the mirror options.
final class AptSourcesTests: XCTestCase {
  let deb822 = """
    # the archive
    Types: deb deb-src
    URIs: http://mirror.example/debian
    Suites: bookworm bookworm-updates
    Components: main contrib
    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

    Types: deb
    # a comment inside the paragraph
    uris: http://security.example/debian-security
    Suites: bookworm-security
    Components: main

    Types: deb
    URIs: https://vendor.example/apt
    Suites: nodistro
    Components: main
    Enabled: no
    Signed-By:
     -----BEGIN PGP PUBLIC KEY BLOCK-----
     .
     mQINBF
     -----END PGP PUBLIC KEY BLOCK-----
    """

  let oneLine = """
    # the archive
    deb [arch=amd64 signed-by=/etc/apt/keyrings/local.gpg] http://mirror.example/debian bookworm main  # trailing comment
    deb-src http://mirror.example/debian bookworm main
    deb http://vendor.example/apt cloud-sdk-bookworm main

    deb [ trusted=yes ] http://security.example/debian-security bookworm-security main contrib
    """

  func testDeb822Paragraphs() throws {
    let sources = try AptSourcesFormat.parseDeb822(deb822, file: "debian.sources")
    XCTAssertEqual(sources.count, 3)
    XCTAssertEqual(
      sources[0],
      AptSource(
        types: ["deb", "deb-src"], uris: ["http://mirror.example/debian"],
        suites: ["bookworm", "bookworm-updates"],
        components: ["main", "contrib"], signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
        file: "debian.sources", line: 2))
    XCTAssertEqual(sources[1].uris, ["http://security.example/debian-security"])
    XCTAssertEqual(sources[1].line, 8)
    XCTAssertFalse(sources[2].enabled)
    XCTAssertNil(sources[2].signedBy, "an embedded key is not a keyring path")
  }

  func testOneLineStyle() throws {
    let sources = try AptSourcesFormat.parseOneLine(oneLine, file: "sources.list")
    XCTAssertEqual(sources.map(\.types), [["deb"], ["deb-src"], ["deb"], ["deb"]])
    XCTAssertEqual(sources[0].uris, ["http://mirror.example/debian"])
    XCTAssertEqual(sources[0].suites, ["bookworm"])
    XCTAssertEqual(sources[0].components, ["main"])
    XCTAssertEqual(sources[0].signedBy, "/etc/apt/keyrings/local.gpg")
    XCTAssertEqual(sources[3].uris, ["http://security.example/debian-security"])
    XCTAssertEqual(sources[3].components, ["main", "contrib"])
    XCTAssertEqual(sources[3].line, 6)
  }

  func testMalformedLinesNameFileAndLine() {
    XCTAssertThrowsError(
      try AptSourcesFormat.parseOneLine("deb http://mirror.example/debian\n", file: "a.list")
    ) {
      XCTAssertEqual("\($0)", "a.list:1: expected a URI and a suite after 'deb'")
    }
    XCTAssertThrowsError(
      try AptSourcesFormat.parseOneLine("\ndeb [arch=amd64 http://x y z\n", file: "b.list")
    ) {
      XCTAssertEqual("\($0)", "b.list:2: '[' of the options is never closed")
    }
    XCTAssertThrowsError(try AptSourcesFormat.parseOneLine("rpm http://x y\n", file: "c.list")) {
      XCTAssertEqual("\($0)", "c.list:1: unknown type 'rpm'")
    }
    XCTAssertThrowsError(
      try AptSourcesFormat.parseDeb822("Types: deb\nSuites: bookworm\n", file: "d.sources")
    ) {
      XCTAssertEqual("\($0)", "d.sources:1: the paragraph has no uris field")
    }
    XCTAssertThrowsError(try AptSourcesFormat.parseDeb822("Types: deb\nnot a field\n", file: "e.sources")) {
      XCTAssertEqual("\($0)", "e.sources:2: expected 'Field: value'")
    }
  }

  func testArchiveChosenFromEitherFormat() throws {
    for sources in [
      try AptSourcesFormat.parseDeb822(deb822, file: "debian.sources"),
      try AptSourcesFormat.parseOneLine(oneLine, file: "sources.list"),
    ] {
      let archive = try DebianArchive.choose(from: sources)
      XCTAssertEqual(archive.uri, "http://mirror.example/debian")
      XCTAssertEqual(archive.securityURI, "http://security.example/debian-security")
    }
    let fromList = try DebianArchive.choose(
      from: AptSourcesFormat.parseOneLine(oneLine, file: "sources.list"))
    XCTAssertEqual(fromList.signedBy, "/etc/apt/keyrings/local.gpg")
    XCTAssertEqual(fromList.origin, "sources.list:2, sources.list:6")
  }

  func testSuiteClassification() {
    XCTAssertEqual(DebianArchive.classify(suite: "trixie")?.security, false)
    XCTAssertEqual(DebianArchive.classify(suite: "bookworm-updates")?.security, false)
    XCTAssertEqual(DebianArchive.classify(suite: "stable-security")?.security, true)
    XCTAssertEqual(DebianArchive.classify(suite: "buster/updates")?.security, true)
    XCTAssertNil(DebianArchive.classify(suite: "jammy"))
    XCTAssertNil(DebianArchive.classify(suite: "cloud-sdk-bookworm"))
    XCTAssertNil(DebianArchive.classify(suite: "nodistro"))
  }

  func testMirrorOptionsWinAndMissingArchiveSaysWhatToPass() throws {
    let vendorOnly = try AptSourcesFormat.parseOneLine(
      "deb http://vendor.example/ubuntu jammy main\n", file: "/etc/apt/sources.list")
    XCTAssertThrowsError(try DebianArchive.choose(from: vendorOnly)) {
      XCTAssertEqual(
        "\($0)",
        "no Debian archive in the host's apt sources (read: /etc/apt/sources.list); give its URI with --mirror URI"
      )
      XCTAssertEqual(($0 as? LabError)?.exitCode, 66)
    }
    XCTAssertThrowsError(try DebianArchive.choose(from: vendorOnly, mirror: "http://mine.example/debian")) {
      XCTAssertTrue("\($0)".contains("--security-mirror"))
    }
    let chosen = try DebianArchive.choose(
      from: vendorOnly, mirror: "http://mine.example/debian", securityMirror: "http://mine.example/security")
    XCTAssertEqual(chosen.uri, "http://mine.example/debian")
    XCTAssertEqual(chosen.signedBy, DebianArchive.debianKeyring)
    XCTAssertEqual(
      chosen.sourcesListText(suite: "trixie"),
      """
      deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mine.example/debian trixie main
      deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mine.example/security trixie-security main

      """)
    // Sid has no security suite.
    XCTAssertEqual(
      chosen.sourcesListText(suite: "sid", security: DebianKernel.sid.hasSecuritySuite),
      """
      deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mine.example/debian sid main

      """)
  }

  /// The files apt reads under a root: sources.list, then sources.list.d's `*.list` and
  /// `*.sources` in name order; other names are ignored as apt ignores them.
  func testConfiguredReadsBothFormatsUnderRoot() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "apt-sources-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let parts = root.appendingPathComponent("etc/apt/sources.list.d")
    try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: true)
    try Data("deb http://vendor.example/apt stable-but-not-debian main\n".utf8)
      .write(to: root.appendingPathComponent("etc/apt/sources.list"))
    try Data(deb822.utf8).write(to: parts.appendingPathComponent("debian.sources"))
    try Data("deb http://ignored.example/debian sid main\n".utf8)
      .write(to: parts.appendingPathComponent("old.list.disabled"))
    try Data("deb http://second.example/debian trixie main\n".utf8).write(
      to: parts.appendingPathComponent("z.list"))
    let sources = try AptSource.configured(root: root)
    XCTAssertEqual(
      sources.map { URL(fileURLWithPath: $0.file).lastPathComponent },
      [
        "sources.list", "debian.sources", "debian.sources", "debian.sources", "z.list",
      ])
    let archive = try DebianArchive.host(root: root)
    XCTAssertEqual(archive.uri, "http://mirror.example/debian")
    XCTAssertEqual(archive.securityURI, "http://security.example/debian-security")
    XCTAssertFalse(sources.contains { $0.uris == ["http://ignored.example/debian"] })
  }
}
