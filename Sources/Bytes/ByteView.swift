#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Memory that outlives the views over it: a file mapping or an owned buffer
/// (a decompressed or relocated section).
public final class ByteStorage: @unchecked Sendable {
  public let base: UnsafeRawPointer?
  public let count: Int
  /// A file mapping (page-aligned base), as opposed to an owned buffer.
  public let isMapped: Bool
  private let release: (() -> Void)?

  public init(base: UnsafeRawPointer?, count: Int, isMapped: Bool = false, release: (() -> Void)?) {
    self.base = base
    self.count = count
    self.isMapped = isMapped
    self.release = release
  }

  /// Takes a copy of `bytes` into memory this storage owns.
  public convenience init(copying bytes: [UInt8]) {
    let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    bytes.withUnsafeBytes { source in
      if let from = source.baseAddress { memory.copyMemory(from: from, byteCount: bytes.count) }
    }
    self.init(base: UnsafeRawPointer(memory), count: bytes.count, release: { memory.deallocate() })
  }

  deinit { release?() }
}

/// A bounded window of bytes with a name for errors (`vmlinux:.debug_info`).
/// Reads past the end throw; nothing here traps on hostile input.
public struct ByteView: @unchecked Sendable {
  public let storage: ByteStorage
  public let start: Int
  public let count: Int
  public let name: String

  public init(storage: ByteStorage, name: String) {
    self.storage = storage
    self.start = 0
    self.count = storage.count
    self.name = name
  }

  public init(storage: ByteStorage, start: Int, count: Int, name: String) {
    self.storage = storage
    self.start = start
    self.count = count
    self.name = name
  }

  public init(bytes: [UInt8], name: String) {
    self.init(storage: ByteStorage(copying: bytes), name: name)
  }

  public static func empty(_ name: String) -> ByteView { ByteView(bytes: [], name: name) }

  /// The sub-range `[offset, offset + length)`, checked.
  public func slice(_ offset: UInt64, _ length: UInt64, name: String? = nil) throws -> ByteView {
    guard offset <= UInt64(count), length <= UInt64(count) - offset else {
      throw BytesError(
        .truncated, path: self.name, offset: offset, expected: "\(length) bytes within \(count)")
    }
    return ByteView(
      storage: storage, start: start + Int(offset), count: Int(length), name: name ?? self.name)
  }

  @inlinable
  public func contains(_ offset: Int, _ length: Int) -> Bool {
    offset >= 0 && length >= 0 && offset <= count && length <= count - offset
  }

  @inlinable
  public func load<T: FixedWidthInteger>(_ offset: Int, as: T.Type) throws -> T {
    guard contains(offset, MemoryLayout<T>.size), let base = storage.base else {
      throw BytesError(
        .truncated, path: name, offset: UInt64(max(offset, 0)),
        expected: "\(MemoryLayout<T>.size)-byte value")
    }
    return T(littleEndian: base.loadUnaligned(fromByteOffset: start + offset, as: T.self))
  }

  /// The bytes as an array (for small things: notes, names).
  public func bytes(_ offset: Int, _ length: Int) throws -> [UInt8] {
    guard contains(offset, length), let base = storage.base else {
      throw BytesError(
        .truncated, path: name, offset: UInt64(max(offset, 0)), expected: "\(length) bytes")
    }
    return Array(UnsafeRawBufferPointer(start: base + start + offset, count: length))
  }

  /// The NUL-terminated string at `offset` (string tables, `.debug_str`).
  public func cString(at offset: Int) throws -> String {
    let length = try cStringLength(at: offset)
    guard let base = storage.base else { return "" }
    let buffer = UnsafeRawBufferPointer(start: base + start + offset, count: length)
    return String(decoding: buffer, as: UTF8.self)
  }

  public func cStringLength(at offset: Int) throws -> Int {
    guard offset >= 0, offset < count, let base = storage.base else {
      throw BytesError(
        .truncated, path: name, offset: UInt64(max(offset, 0)), expected: "a NUL-terminated string")
    }
    let pointer = (base + start + offset).assumingMemoryBound(to: UInt8.self)
    let limit = count - offset
    guard let end = memchrIndex(pointer, limit) else {
      throw BytesError(
        .truncated, path: name, offset: UInt64(offset), expected: "a NUL-terminated string")
    }
    return end
  }

  /// Whether the string at `offset` equals `text`, without building a String.
  public func cStringEquals(at offset: Int, _ text: [UInt8]) -> Bool {
    guard contains(offset, text.count + 1), let base = storage.base else { return false }
    let pointer = (base + start + offset).assumingMemoryBound(to: UInt8.self)
    for index in 0..<text.count where pointer[index] != text[index] { return false }
    return pointer[text.count] == 0
  }

  /// Whether the string at `offset` starts with `prefix` (no terminator inside it).
  public func cStringHasPrefix(at offset: Int, _ prefix: [UInt8]) -> Bool {
    guard contains(offset, prefix.count), let base = storage.base else { return false }
    let pointer = (base + start + offset).assumingMemoryBound(to: UInt8.self)
    for index in 0..<prefix.count where pointer[index] != prefix[index] { return false }
    return true
  }

  /// Asks the kernel to read the range now, in large requests (madvise(2)
  /// MADV_WILLNEED): file mappings are advised MADV_RANDOM, so only ranges a reader
  /// is about to scan whole are read ahead.
  public func willNeed(_ offset: Int = 0, _ length: Int? = nil) {
    guard let base = storage.base, storage.isMapped else { return }
    let from = start + max(offset, 0)
    let to = min(from + (length ?? count), start + count)
    guard to > from else { return }
    let page = Int(getpagesize())
    let aligned = from / page * page
    _ = madvise(UnsafeMutableRawPointer(mutating: base + aligned), to - aligned, MADV_WILLNEED)
  }

  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    guard let base = storage.base else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return try body(UnsafeRawBufferPointer(start: base + start, count: count))
  }
}

@inline(__always)
private func memchrIndex(_ pointer: UnsafePointer<UInt8>, _ limit: Int) -> Int? {
  var index = 0
  while index < limit {
    if pointer[index] == 0 { return index }
    index += 1
  }
  return nil
}
