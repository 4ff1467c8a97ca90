import ArgumentParser
import Foundation
import KernelLog

/// The bytes of one piece of evidence and where they came from.
struct EvidenceFile {
  let path: String
  let bytes: [UInt8]

  static func read(_ path: String) throws -> EvidenceFile {
    if path == "-" {
      return EvidenceFile(path: "-", bytes: [UInt8](FileHandle.standardInput.readDataToEndOfFile()))
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw EvidenceError.missing(path)
    }
    guard !isDirectory.boolValue else { throw EvidenceError.unreadable(path, "is a directory") }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw EvidenceError.unreadable(path, "permission denied")
    }
    defer { try? handle.close() }
    do {
      let data = try handle.readToEnd() ?? Data()
      return EvidenceFile(path: path, bytes: [UInt8](data))
    } catch {
      throw EvidenceError.io(path, "\(error)")
    }
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
  func recognizes(_ bytes: [UInt8]) -> Bool
  func records(from evidence: EvidenceFile) throws -> [LogRecord]
}

/// Plain text from a serial console, dmesg, journalctl, syslog or netconsole.
struct ConsoleLogReader: EvidenceReader {
  var kind: String { "console" }
  func recognizes(_ bytes: [UInt8]) -> Bool { true }
  func records(from evidence: EvidenceFile) throws -> [LogRecord] {
    KernelLogReader.records(in: evidence.bytes)
  }
}

/// Files that are dumps, not text: until a dump reader is registered, say so
/// instead of parsing binary data as a log.
struct UnsupportedDumpReader: EvidenceReader {
  var kind: String { "vmcore" }
  func recognizes(_ bytes: [UInt8]) -> Bool {
    bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) || bytes.starts(with: Array("KDUMP   ".utf8))
      || bytes.starts(with: Array("makedumpfile".utf8))
  }
  func records(from evidence: EvidenceFile) throws -> [LogRecord] {
    throw EvidenceError.unsupported(evidence.path, "is a kernel dump; dump reading is not available yet")
  }
}

/// The crashes found in one piece of evidence.
struct Examination {
  let path: String
  let kind: String
  let reports: [CrashReport]

  /// Readers tried in order; the first that recognizes the bytes reads them.
  static let readers: [any EvidenceReader] = [UnsupportedDumpReader(), ConsoleLogReader()]

  static func examine(_ evidence: EvidenceFile) throws -> Examination {
    let reader = readers.first { $0.recognizes(evidence.bytes) } ?? ConsoleLogReader()
    let records = try reader.records(from: evidence)
    var reports = CrashReportParser().reports(in: records, evidenceKind: reader.kind)
    for index in reports.indices { reports[index].evidence.path = evidence.path }
    return Examination(path: evidence.path, kind: reader.kind, reports: reports)
  }
}
