import KernelLog

/// Why a vmcore could not be read: every case names where in the file it went wrong.
public enum DumpError: Error, Sendable, Equatable {
  /// The file is shorter than a structure that must be there.
  case truncated(path: String, offset: UInt64, expected: String)
  /// A field holds a value the format does not allow.
  case badField(path: String, offset: UInt64, field: String, expected: String)
}
