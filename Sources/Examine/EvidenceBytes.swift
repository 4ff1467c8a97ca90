import Bytes

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bytes of one piece of evidence and where they came from. A regular file or
/// block device is read through `FileBytes` (mapped for a front-to-back scan, so a log
/// of any size costs no memory of its own); a pipe, FIFO, character device or standard
/// input is read whole through `StreamBytes`, bounded by `streamLimit` and by a writer
/// that stays silent, so `/dev/zero` or a FIFO without a writer ends with an error
/// instead of filling memory or waiting forever.
final class EvidenceBytes: @unchecked Sendable {
  /// The most a stream may hold: console logs of a whole fleet's night fit, a
  /// stream without end does not.
  static let streamLimit = 1 << 30

  let path: String
  private let file: FileBytes?
  private let owned: [UInt8]

  init(path: String, bytes: [UInt8]) {
    self.path = path
    file = nil
    owned = bytes
  }

  private init(path: String, file: FileBytes, owned: [UInt8]) {
    self.path = path
    self.file = file
    self.owned = owned
  }

  /// Drops the pages before `offset` from memory: they are read again from the file
  /// if ever needed, so a scan keeps only its current stretch resident.
  func release(before offset: Int) {
    guard let file, file.mapping != nil, offset > 0 else { return }
    file.release(offset: 0, count: UInt64(offset))
  }

  func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    if let mapping = file?.mapping {
      return try body(mapping.bindMemory(to: UInt8.self))
    }
    return try owned.withUnsafeBufferPointer(body)
  }

  /// Standard input, read whole (bounded).
  static func standardInput() throws -> EvidenceBytes {
    do {
      return EvidenceBytes(
        path: "-",
        bytes: try StreamBytes.read(
          descriptor: 0, name: "-", limit: streamLimit, headSize: EvidenceFormat.sampleSize,
          head: { refuseBinary($0, name: "-") }))
    } catch {
      throw examineError(error, path: "-")
    }
  }

  /// Maps a regular file or block device; reads a stream whole, bounded.
  static func read(_ path: String) throws -> EvidenceBytes {
    var status = stat()
    guard stat(path, &status) == 0 else {
      switch errno {
      case ENOENT, ENOTDIR: throw ExamineError.missing(path: path)
      case EACCES: throw ExamineError.unreadable(path: path, reason: "permission denied")
      default: throw ExamineError.unreadable(path: path, reason: String(cString: strerror(errno)))
      }
    }
    let type = status.st_mode & S_IFMT
    guard type != S_IFDIR else { throw ExamineError.unreadable(path: path, reason: "is a directory") }
    do {
      guard type == S_IFREG || type == S_IFBLK else {
        return EvidenceBytes(
          path: path,
          bytes: try StreamBytes.read(
            path: path, limit: streamLimit, headSize: EvidenceFormat.sampleSize,
            head: { refuseBinary($0, name: path) }))
      }
      let file = try FileBytes(path: path, access: .scan)
      // A file that could not be mapped (empty, or a filesystem without mmap) is
      // read whole, which its size bounds.
      let owned = file.mapping == nil && file.size > 0 ? try file.read(at: 0, count: Int(file.size)) : []
      return EvidenceBytes(path: path, file: file, owned: owned)
    } catch {
      throw examineError(error, path: path)
    }
  }

  /// A stream whose first bytes are binary (not a dump signature, not text) is
  /// refused there: `/dev/zero` or random bytes are not read up to `streamLimit`. The
  /// refusal is the only `.malformed` error a stream read gives.
  static func refuseBinary(_ head: [UInt8], name: String) -> BytesError? {
    let format = EvidenceFormat.sniff(head)
    guard case .binary = format,
      case .badData(_, let problem, _) = Examiner.refusal(path: name, format: format)
    else { return nil }
    return BytesError(.malformed, path: name, offset: 0, expected: problem)
  }

  private static func examineError(_ error: BytesError, path: String) -> ExamineError {
    if error.kind == .malformed {
      guard case .badData(_, _, let expected) = Examiner.refusal(path: path, format: .binary(share: 1)) else {
        return .badData(path: path, problem: error.expected, expected: "")
      }
      return .badData(path: path, problem: error.expected, expected: expected)
    }
    switch error.systemError {
    case ENOENT?: return .missing(path: path)
    case EACCES?: return .unreadable(path: path, reason: "permission denied")
    default:
      return error.kind == .io
        ? .io(path: path, reason: error.expected) : .unreadable(path: path, reason: error.expected)
    }
  }
}
