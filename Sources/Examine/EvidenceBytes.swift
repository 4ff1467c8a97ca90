import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bytes of one piece of evidence and where they came from: a regular file is
/// memory-mapped (mmap(2)), so a log of any size costs no memory of its own; a pipe
/// or standard input is read whole.
final class EvidenceBytes: @unchecked Sendable {
  let path: String
  private let mapping: UnsafeRawBufferPointer?
  private let owned: [UInt8]

  init(path: String, bytes: [UInt8]) {
    self.path = path
    mapping = nil
    owned = bytes
  }

  private init(path: String, mapping: UnsafeRawBufferPointer) {
    self.path = path
    self.mapping = mapping
    owned = []
  }

  deinit {
    if let mapping, let base = mapping.baseAddress, mapping.count > 0 {
      munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
    }
  }

  /// Drops the pages before `offset` from memory: they are read again from the file
  /// if ever needed, so a scan keeps only its current stretch resident.
  func release(before offset: Int) {
    guard let mapping, let base = mapping.baseAddress else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let end = min(offset, mapping.count) / page * page
    guard end > 0 else { return }
    madvise(UnsafeMutableRawPointer(mutating: base), end, MADV_DONTNEED)
  }

  func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    if let mapping {
      return try body(mapping.bindMemory(to: UInt8.self))
    }
    return try owned.withUnsafeBufferPointer(body)
  }

  /// Standard input, read whole.
  static func standardInput() -> EvidenceBytes {
    EvidenceBytes(path: "-", bytes: [UInt8](FileHandle.standardInput.readDataToEndOfFile()))
  }

  /// Maps a regular file; reads a pipe or device whole.
  static func read(_ path: String) throws -> EvidenceBytes {
    var status = stat()
    guard stat(path, &status) == 0 else {
      throw errno == EACCES
        ? ExamineError.unreadable(path: path, reason: "permission denied") : ExamineError.missing(path: path)
    }
    guard (status.st_mode & S_IFMT) != S_IFDIR else {
      throw ExamineError.unreadable(path: path, reason: "is a directory")
    }
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw ExamineError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    let size = Int(status.st_size)
    guard (status.st_mode & S_IFMT) == S_IFREG, size > 0 else {
      // Pipes, devices and empty files: read what there is.
      let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
      do {
        return EvidenceBytes(path: path, bytes: [UInt8](try handle.readToEnd() ?? Data()))
      } catch {
        throw ExamineError.io(path: path, reason: "\(error)")
      }
    }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
      throw ExamineError.io(path: path, reason: "mmap: " + String(cString: strerror(errno)))
    }
    madvise(base, size, MADV_SEQUENTIAL)
    return EvidenceBytes(path: path, mapping: UnsafeRawBufferPointer(start: base, count: size))
  }
}
