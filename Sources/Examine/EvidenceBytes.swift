import Bytes
import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bytes of one piece of evidence and where they came from, opened once: a
/// regular file or block device is read through `FileBytes` (mapped for a
/// front-to-back scan, so a log of any size costs no memory of its own, and handed to
/// Dump as it is when it holds a vmcore); a pipe, FIFO, character device or standard
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

  private init(path: String, file: FileBytes) {
    self.path = path
    self.file = file
    owned = []
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
      throw ExamineError(error, path: "-")
    }
  }

  /// Maps a regular file or block device; reads a stream whole, bounded.
  static func read(_ path: String) throws -> EvidenceBytes {
    do {
      let opened = try PathBytes.open(
        path: path, access: .scan, streamLimit: streamLimit, headSize: EvidenceFormat.sampleSize,
        head: { refuseBinary($0, name: path) })
      switch opened {
      case .file(let file): return EvidenceBytes(path: path, file: file)
      case .stream(let bytes): return EvidenceBytes(path: path, bytes: bytes)
      }
    } catch {
      throw ExamineError(error, path: path)
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

  var isEmpty: Bool { file.map { $0.size == 0 } ?? owned.isEmpty }

  /// The first `count` bytes, fewer when the evidence is shorter: enough to tell the
  /// format without reading the rest.
  func prefix(_ count: Int) throws -> [UInt8] {
    guard let file else { return Array(owned.prefix(count)) }
    do {
      return try file.read(at: 0, count: Int(min(UInt64(max(0, count)), file.size)))
    } catch {
      throw ExamineError(error, path: path)
    }
  }

  /// The bytes as Dump reads a vmcore: the open file itself (now read in scattered
  /// places), or the bytes of a stream or an upload.
  var dumpSource: any ByteSource {
    guard let file else { return MemoryByteSource(name: path, bytes: owned) }
    file.advise(.random)
    return FileSource(file: file)
  }

  /// Drops the pages before `offset` from memory: they are read again from the file
  /// if ever needed, so a scan keeps only its current stretch resident.
  func release(before offset: Int) {
    guard let file, file.mapping != nil, offset > 0 else { return }
    file.release(offset: 0, count: UInt64(offset))
  }

  /// All the bytes: the mapping, or a file that cannot be mapped (a filesystem without
  /// mmap) read whole, which its size bounds.
  func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
    guard let file else { return try owned.withUnsafeBufferPointer(body) }
    if let mapping = file.mapping { return try body(mapping.bindMemory(to: UInt8.self)) }
    let whole: [UInt8]
    do {
      whole = try file.read(at: 0, count: Int(file.size))
    } catch {
      throw ExamineError(error, path: path)
    }
    return try whole.withUnsafeBufferPointer(body)
  }
}

extension ExamineError {
  /// A file that could not be read, in examine's terms: missing, closed to us, or an
  /// I/O error; a stream past its bound or a kind of file examine does not read is
  /// unreadable.
  init(_ error: BytesError, path: String) {
    if error.kind == .malformed {
      // Only a refused binary stream reads as malformed here.
      if case .badData(_, _, let expected) = Examiner.refusal(path: path, format: .binary(share: 1)) {
        self = .badData(path: path, problem: error.expected, expected: expected)
      } else {
        self = .badData(path: path, problem: error.expected, expected: "")
      }
    } else if let number = error.systemError {
      self = .failed(path: path, errno: number, reason: error.expected)
    } else {
      self =
        error.kind == .io
        ? .io(path: path, reason: error.expected) : .unreadable(path: path, reason: error.expected)
    }
  }

  /// errno(3) of a failed open or read: ENOENT and ENOTDIR say the input is missing,
  /// EACCES, EISDIR and ELOOP (a link loop, open(2)) that it cannot be read as evidence;
  /// anything else is an I/O error.
  static func failed(path: String, errno number: Int32, reason: String) -> ExamineError {
    switch number {
    case ENOENT, ENOTDIR: return .missing(path: path)
    case EACCES: return .unreadable(path: path, reason: "permission denied")
    case EISDIR: return .unreadable(path: path, reason: "is a directory")
    case ELOOP: return .unreadable(path: path, reason: "too many levels of symbolic links")
    default: return .io(path: path, reason: reason)
    }
  }
}
