/// What went wrong in the collector, with the field or input at fault and what was
/// expected of it.
public enum CollectorError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A flag, config-file key or database URL is wrong.
  case configuration(field: String, expected: String)
  /// The store's schema is newer than this program knows.
  case schema(version: Int, expected: String)
  /// An upload was refused: `status` is the HTTP status it earns.
  case refused(status: Int, reason: String)
  /// A file the sender was asked to read.
  case file(path: String, problem: String)

  public var description: String {
    switch self {
    case .configuration(let field, let expected): return "\(field): expected \(expected)"
    case .schema(let version, let expected): return "database schema version \(version): expected \(expected)"
    case .refused(let status, let reason): return "refused (\(status)): \(reason)"
    case .file(let path, let problem): return "\(path): \(problem)"
    }
  }
}
