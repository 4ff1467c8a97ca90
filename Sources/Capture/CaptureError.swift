#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a capture could not be made, or was cut short; each case names the file,
/// offset or key.
public enum CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A write to the output failed (ENOSPC, EIO, ...).
  case write(path: String, offset: UInt64, errno: Int32)
  /// The output could not be created or opened.
  case create(path: String, errno: Int32)
  /// `--resume` found nothing it can continue.
  case cannotResume(path: String, reason: String)
  /// Reading the output back (for its checksum, or to resume) failed.
  case read(path: String, errno: Int32)

  public var description: String {
    switch self {
    case .write(let path, let offset, let number):
      return
        "\(path): write at offset \(offset) failed: \(String(cString: strerror(number))) (errno \(number))"
    case .create(let path, let number):
      return "\(path): cannot create: \(String(cString: strerror(number))) (errno \(number))"
    case .cannotResume(let path, let reason): return "\(path): cannot resume: \(reason)"
    case .read(let path, let number):
      return "\(path): cannot read: \(String(cString: strerror(number))) (errno \(number))"
    }
  }

  /// True for errors that mean the target is full or failing, after which a valid
  /// incomplete dump is finished with what fit.
  public var isOutputFailure: Bool {
    if case .write = self { return true }
    return false
  }
}
