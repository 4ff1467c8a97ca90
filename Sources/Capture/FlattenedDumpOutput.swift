#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A dump written as makedumpfile's flattened stream (`makedumpfile -F`) to a pipe: each
/// positioned write becomes a record of its offset and size (big endian) and its bytes,
/// after a 4096-byte header, and `finish()` appends the end record of two -1
/// (makedumpfile.h: struct makedumpfile_header, struct makedumpfile_data_header,
/// END_FLAG_FLAT_HEADER). `makedumpfile -R` or `FlattenedRearrange` rebuilds the file;
/// Dump's `FlattenedSource` reads the stream as it is.
public final class FlattenedDumpOutput: DumpOutput, @unchecked Sendable {
  public let name: String
  let descriptor: Int32
  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private var started = false

  /// The stream header goes out with the first record: a capture writes its log and
  /// crash.json before the dump, and a reader that is already gone must not cost them.
  public init(descriptor: Int32, name: String) throws {
    self.descriptor = descriptor
    self.name = name
    pthread_mutex_init(lock, nil)
  }

  deinit {
    pthread_mutex_destroy(lock)
    lock.deallocate()
  }

  public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
    // makedumpfile -R stops at a record of size 0 and then finds no end record.
    guard bytes.count > 0 else { return }
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    try start()
    try emit(Self.bigEndian(offset) + Self.bigEndian(UInt64(bytes.count)))
    try emit(bytes)
  }

  /// A pipe has no blocks to reserve.
  public func reserve(_ size: UInt64) {}

  /// A pipe cannot be flushed to a device; the reader owns that.
  public func synchronize() throws {}

  /// Ends the stream: without this record a reader knows the dump was cut short.
  public func finish() throws {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    try start()
    try emit(Self.bigEndian(UInt64.max) + Self.bigEndian(UInt64.max))
  }

  /// The 4096-byte header, once, before the first record (the caller holds the lock).
  private func start() throws {
    guard !started else { return }
    var header = FlattenedRearrange.signature + Self.bigEndian(1) + Self.bigEndian(1)
    header += [UInt8](repeating: 0, count: FlattenedRearrange.headerSize - header.count)
    try emit(header)
    started = true
  }

  static func bigEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
  }

  func emit(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try emit($0) }
  }

  func emit(_ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count {
      let wrote = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
      if wrote > 0 {
        done += wrote
      } else if wrote < 0 && errno == EINTR {
        continue
      } else {
        throw CaptureError.write(path: name, offset: 0, errno: wrote == 0 ? EPIPE : errno)
      }
    }
  }
}
