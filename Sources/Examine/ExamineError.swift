/// Why a piece of evidence could not be examined. Every case names the file and
/// what was expected of it; the command line maps the cases to sysexits codes
/// (`missing` and `unreadable` 66, `io` 74, `badData` 65).
public enum ExamineError: Error, Sendable, Equatable, CustomStringConvertible {
  /// No file at that path.
  case missing(path: String)
  /// The file exists but cannot be opened (permissions, a directory that is not a
  /// pstore folder).
  case unreadable(path: String, reason: String)
  /// Reading failed part way (EIO, a mapping that failed).
  case io(path: String, reason: String)
  /// The bytes are not evidence examine reads, or too damaged to read: `expected`
  /// says what they should have been.
  case badData(path: String, problem: String, expected: String)

  public var path: String {
    switch self {
    case .missing(let path), .unreadable(let path, _), .io(let path, _), .badData(let path, _, _):
      return path
    }
  }

  public var description: String {
    switch self {
    case .missing(let path): return "\(path): no such file"
    case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
    case .io(let path, let reason): return "\(path): I/O error: \(reason)"
    case .badData(let path, let problem, let expected):
      return expected.isEmpty ? "\(path): \(problem)" : "\(path): \(problem); expected \(expected)"
    }
  }
}
