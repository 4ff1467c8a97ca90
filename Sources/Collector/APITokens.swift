import Crypto
import SQLKit

/// Per-host API tokens. The store keeps only each token's SHA-256, so a copy of
/// the database does not let anyone upload; a token is shown once, when made.
extension CrashStore {
  /// Makes (or replaces) the token of `host` and returns it.
  public func addToken(host: String) async throws -> String {
    var random = SystemRandomNumberGenerator()
    let token =
      "crn_"
      + (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &random), radix: 16).leftPadded(to: 2) }
      .joined()
    let digest = Self.tokenDigest(token)
    try await database.transaction { db in
      try await db.raw("DELETE FROM tokens WHERE host = \(bind: host)").run()
      try await db.raw(
        "INSERT INTO tokens (host, sha256, created) VALUES (\(bind: host), \(bind: digest), \(bind: UnixTime.now()))"
      ).run()
    }
    return token
  }

  /// Revokes the token of `host`; false when it had none.
  @discardableResult
  public func revokeToken(host: String) async throws -> Bool {
    try await database.transaction { db in
      let row = try await db.raw(
        "UPDATE tokens SET revoked = \(bind: UnixTime.now()) WHERE host = \(bind: host) AND revoked IS NULL RETURNING id"
      ).first()
      return row != nil
    }
  }

  /// The host a token belongs to, if it is known and not revoked.
  public func host(forToken token: String) async throws -> String? {
    let row = try await database.reader.raw(
      "SELECT host FROM tokens WHERE sha256 = \(bind: Self.tokenDigest(token)) AND revoked IS NULL"
    ).first()
    return try row?.decode(column: "host", as: String.self)
  }

  static func tokenDigest(_ token: String) -> String {
    SHA256.hash(data: Array(token.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
  }
}
