import Foundation

/// Where the lab downloads Debian's packages from: the archive (`debian`) and the security
/// archive (`debian-security`), taken from the host's apt sources as apt itself reads them,
/// or given by the user (`--mirror`, `--security-mirror`). The lab reads suites the host
/// does not (bullseye, trixie and sid on a bookworm host) from the same mirrors, which carry
/// every supported release and unstable.
public struct DebianArchive: Equatable, Sendable {
  /// The URI of the archive, as in a sources.list line.
  public var uri: String
  /// The URI of the security archive.
  public var securityURI: String
  /// The keyring apt checks both archives' Release files with.
  public var signedBy: String
  /// Where the URIs came from, for messages: a sources file and line, or an option.
  public var origin: String

  /// Debian's keyring, from the debian-archive-keyring package.
  public static let debianKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

  public init(uri: String, securityURI: String, signedBy: String = debianKeyring, origin: String) {
    self.uri = uri
    self.securityURI = securityURI
    self.signedBy = signedBy
    self.origin = origin
  }

  /// Debian's release names and aliases, by which a source is known to be Debian's
  /// (distro-info-data's `debian.csv` lists the names). A source whose suites are none of these
  /// (an Ubuntu or third-party repository) is not a Debian archive.
  static let releaseNames: Set<String> = [
    "buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid",
    "oldoldstable", "oldstable", "stable", "testing", "unstable",
  ]

  /// The release a suite belongs to and whether it is a security suite:
  /// `bookworm` and `bookworm-updates` are the archive, `bookworm-security` (and
  /// `buster/updates` before bullseye) the security archive.
  static func classify(suite: String) -> (release: String, security: Bool)? {
    if suite.hasSuffix("/updates") {
      let release = String(suite.dropLast("/updates".count))
      return releaseNames.contains(release) ? (release, true) : nil
    }
    let parts = suite.split(separator: "-", maxSplits: 1).map(String.init)
    guard let release = parts.first, releaseNames.contains(release) else { return nil }
    if parts.count == 1 { return (release, false) }
    switch parts[1] {
    case "security": return (release, true)
    case "updates", "backports", "proposed-updates", "backports-sloppy": return (release, false)
    default: return nil
    }
  }

  /// The archive and security archive among `sources`: the first enabled binary (`deb`)
  /// source whose suites are a Debian release, and the first whose suites are a Debian
  /// security suite. `mirror` and `securityMirror`, when given, take precedence.
  public static func choose(
    from sources: [AptSource], mirror: String? = nil, securityMirror: String? = nil
  ) throws -> DebianArchive {
    let binary = sources.filter { $0.enabled && $0.types.contains("deb") && !$0.uris.isEmpty }
    func first(security: Bool) -> AptSource? {
      binary.first { source in
        source.suites.contains { classify(suite: $0)?.security == security }
      }
    }
    let archive = first(security: false)
    let security = first(security: true)
    let described = { (source: AptSource) in "\(source.file):\(source.line)" }
    guard let uri = mirror ?? archive?.uris.first else {
      throw LabError.noDebianArchive(
        missing: "archive", searched: Set(sources.map(\.file)).sorted(), option: "--mirror")
    }
    guard let securityURI = securityMirror ?? security?.uris.first else {
      throw LabError.noDebianArchive(
        missing: "security archive", searched: Set(sources.map(\.file)).sorted(), option: "--security-mirror")
    }
    let origin = [
      mirror != nil ? "--mirror" : archive.map(described) ?? "",
      securityMirror != nil ? "--security-mirror" : security.map(described) ?? "",
    ]
    // A keyring the host's source names is kept when the archive came from it.
    let keyring = mirror == nil ? archive?.signedBy : nil
    return DebianArchive(
      uri: uri, securityURI: securityURI, signedBy: keyring ?? debianKeyring,
      origin: origin.joined(separator: ", "))
  }

  /// The archive of the host's apt configuration under `root`, unless both mirrors are given.
  public static func host(
    root: URL = URL(fileURLWithPath: "/"), mirror: String? = nil, securityMirror: String? = nil
  ) throws -> DebianArchive {
    if let mirror, let securityMirror {
      return DebianArchive(uri: mirror, securityURI: securityMirror, origin: "--mirror, --security-mirror")
    }
    return try choose(from: AptSource.configured(root: root), mirror: mirror, securityMirror: securityMirror)
  }

  /// The sources.list lines (one-line style) of `suite` and, with `security`, its security
  /// suite (sid has none: the archive's `sid-security` does not exist).
  public func sourcesListText(suite: String, security: Bool = true) -> String {
    let lines = [(uri, suite)] + (security ? [(securityURI, "\(suite)-security")] : [])
    return lines.map { "deb [signed-by=\(signedBy)] \($0.0) \($0.1) main" }.joined(separator: "\n") + "\n"
  }
}
