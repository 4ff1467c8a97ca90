/// Why a codec could not decode or encode: the codec, and what its library said.
public enum CodecError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The run-time library of the codec is not installed.
  case unavailable(codec: String, library: String)
  /// The library returned an error status.
  case decoder(codec: String, status: Int)
  /// The output is not as large as the container stated (a page, a section).
  case wrongSize(expected: Int, found: Int)
  /// A stream that stops or breaks: how much input was consumed, and the library's words.
  case stream(codec: String, status: Int, offset: Int, message: String)
  /// The output would pass the bound the caller set.
  case tooLarge(codec: String, limit: Int)

  public var description: String {
    switch self {
    case .unavailable(let codec, let library): return "\(codec) needs \(library), which is not installed"
    case .decoder(let codec, let status): return "\(codec) decoder failed (status \(status))"
    case .wrongSize(let expected, let found): return "decoded to \(found) bytes, expected \(expected)"
    case .stream(let codec, let status, let offset, let message):
      return "\(codec) stream failed at input byte \(offset): \(message) (status \(status))"
    case .tooLarge(let codec, let limit): return "\(codec) output larger than \(limit) bytes"
    }
  }
}
