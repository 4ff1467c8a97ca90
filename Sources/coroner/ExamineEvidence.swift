import ArgumentParser
import Foundation
import KernelLog

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bytes of one piece of evidence and where they came from: a file is
/// memory-mapped (mmap(2)), so a log of any size costs no memory of its own;
/// standard input is read whole.
final class EvidenceFile {
  let path: String
  private let mapping: UnsafeRawBufferPointer?
  private let owned: [UInt8]

  private init(path: String, mapping: UnsafeRawBufferPointer?, owned: [UInt8]) {
    self.path = path
    self.mapping = mapping
    self.owned = owned
  }

  deinit {
    if let mapping, let base = mapping.baseAddress, mapping.count > 0 {
      munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
    }
  }

  /// Drops the pages before `offset` from memory: they are read again from the
  /// file if ever needed, so a scan keeps only its current stretch resident.
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

  /// The first bytes, to recognize the format.
  var head: [UInt8] { withBytes { Array($0.prefix(64)) } }

  static func read(_ path: String) throws -> EvidenceFile {
    if path == "-" {
      return EvidenceFile(
        path: "-", mapping: nil, owned: [UInt8](FileHandle.standardInput.readDataToEndOfFile()))
    }
    var status = stat()
    guard stat(path, &status) == 0 else {
      throw errno == EACCES
        ? EvidenceError.unreadable(path, "permission denied") : EvidenceError.missing(path)
    }
    guard (status.st_mode & S_IFMT) != S_IFDIR else { throw EvidenceError.unreadable(path, "is a directory") }
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw EvidenceError.unreadable(path, String(cString: strerror(errno))) }
    defer { close(descriptor) }
    let size = Int(status.st_size)
    guard (status.st_mode & S_IFMT) == S_IFREG, size > 0 else {
      // Pipes, devices and empty files: read what there is.
      let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
      do {
        return EvidenceFile(path: path, mapping: nil, owned: [UInt8](try handle.readToEnd() ?? Data()))
      } catch {
        throw EvidenceError.io(path, "\(error)")
      }
    }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
      throw EvidenceError.io(path, "mmap: " + String(cString: strerror(errno)))
    }
    madvise(base, size, MADV_SEQUENTIAL)
    return EvidenceFile(path: path, mapping: UnsafeRawBufferPointer(start: base, count: size), owned: [])
  }
}

enum EvidenceError: Error, CustomStringConvertible {
  case missing(String)
  case unreadable(String, String)
  case io(String, String)
  case unsupported(String, String)

  var description: String {
    switch self {
    case .missing(let path): return "\(path): no such file"
    case .unreadable(let path, let why): return "\(path): cannot read: \(why)"
    case .io(let path, let why): return "\(path): I/O error: \(why)"
    case .unsupported(let path, let what): return "\(path): \(what)"
    }
  }

  /// sysexits: EX_NOINPUT for missing or unreadable input, EX_IOERR, EX_DATAERR.
  var exitCode: ExitCode {
    switch self {
    case .missing, .unreadable: return ExitCode(66)
    case .io: return ExitCode(74)
    case .unsupported: return ExitCode(65)
    }
  }
}

/// A reader of one evidence format into kernel log records. Console text is the
/// default; a vmcore reader (the Dump library) plugs in here by recognizing its
/// file and yielding the printk records of the dump.
protocol EvidenceReader {
  /// `console`, `vmcore`, `pstore`, `netconsole`: the `kind` of examine's output.
  var kind: String { get }
  /// Whether the first bytes of a file are this format's.
  func recognizes(_ head: [UInt8]) -> Bool
  func records(from evidence: EvidenceFile) throws -> [LogRecord]
  func reports(from evidence: EvidenceFile) throws -> [CrashReport]
}

extension EvidenceReader {
  /// Records from any source reach the one parser.
  func reports(from evidence: EvidenceFile) throws -> [CrashReport] {
    CrashReportParser().reports(in: try records(from: evidence), evidenceKind: kind)
  }
}

/// Plain text from a serial console, dmesg, journalctl, syslog or netconsole.
struct ConsoleLogReader: EvidenceReader {
  var options = ExamineOptions()
  var kind: String { "console" }
  func recognizes(_ head: [UInt8]) -> Bool { true }
  func records(from evidence: EvidenceFile) throws -> [LogRecord] {
    evidence.withBytes { KernelLogReader.records(in: Array($0)) }
  }
  /// Console text goes straight to the byte scanner, which decodes only the
  /// lines around crashes.
  func reports(from evidence: EvidenceFile) throws -> [CrashReport] {
    let reports = evidence.withBytes { bytes in
      var released = 0
      return CrashReportParser().reports(inLog: bytes, evidenceKind: kind) { offset in
        guard offset - released >= 16 << 20 else { return }
        evidence.release(before: offset)
        released = offset
      }
    }
    let release = reports.lazy.compactMap { $0.kernel?.release }.first
    guard let symbolizer = ExamineSymbolizer(options: options, vmcore: nil, release: release) else {
      return reports
    }
    return reports.map { symbolizer.annotate($0) }
  }
}

/// The crashes found in one piece of evidence.
struct Examination {
  let path: String
  let kind: String
  let reports: [CrashReport]

  /// Readers tried in order; the first that recognizes the bytes reads them.
  static func readers(_ options: ExamineOptions) -> [any EvidenceReader] {
    [VmcoreEvidenceReader(options: options), ConsoleLogReader(options: options)]
  }

  static func examine(
    _ evidence: EvidenceFile, options: ExamineOptions = ExamineOptions()
  ) throws -> Examination {
    let head = evidence.head
    let reader = readers(options).first { $0.recognizes(head) } ?? ConsoleLogReader(options: options)
    var reports = try reader.reports(from: evidence)
    for index in reports.indices { reports[index].evidence.path = evidence.path }
    return Examination(path: evidence.path, kind: reader.kind, reports: CrashReport.killerFirst(reports))
  }
}
