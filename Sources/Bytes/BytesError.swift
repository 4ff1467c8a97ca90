/// Why bytes could not be read as the format says: every case names the file (and
/// section), the offset where reading stopped and what was expected there.
public struct BytesError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    /// The data ends before a structure that must be there.
    case truncated
    /// A field holds a value the format does not allow.
    case malformed
    /// Valid, but a feature this reader does not handle (another machine, split DWARF).
    case unsupported
    /// A file, section or symbol that was asked for is not there.
    case missing
    /// The operating system refused (open, mmap, pread, dlopen).
    case io
  }

  public var kind: Kind
  /// The file, with the section after a colon when the offset is section-relative.
  public var path: String
  public var offset: UInt64?
  public var expected: String
  /// errno(3) when the operating system refused.
  public var systemError: Int32?

  public init(_ kind: Kind, path: String, offset: UInt64? = nil, expected: String, systemError: Int32? = nil)
  {
    self.kind = kind
    self.path = path
    self.offset = offset
    self.expected = expected
    self.systemError = systemError
  }

  public var description: String {
    let place = offset.map { "\(path) at offset 0x\(String($0, radix: 16))" } ?? path
    switch kind {
    case .truncated: return "\(place): truncated, expected \(expected)"
    case .malformed: return "\(place): expected \(expected)"
    case .unsupported: return "\(place): unsupported, \(expected)"
    case .missing: return "\(place): not found: \(expected)"
    case .io: return "\(place): \(expected)"
    }
  }
}
