import Dump
import KernelLog

/// Evidence in, cause of death out: the one path from a file, its bytes or a stream
/// of log records to the crash that killed the kernel, for the command line, the
/// collector and the tests alike. Never prints; throws `ExamineError` naming the file
/// when the evidence cannot be read at all, and otherwise returns what it found with
/// what was missing (`CauseOfDeath.problems`).
public struct Examiner: Sendable {
  public var options: ExamineOptions

  public init(options: ExamineOptions = ExamineOptions()) {
    self.options = options
  }

  /// Examines a file, a pstore folder, or standard input (`-`). The format is told
  /// once, from the first bytes (`EvidenceFormat.sniff`).
  public func examine(path: String) throws -> CauseOfDeath {
    if path != "-", PstoreEvidence.isFolder(path) {
      return try PstoreEvidence(path: path).examine(self)
    }
    let evidence = path == "-" ? try EvidenceBytes.standardInput() : try EvidenceBytes.read(path)
    // Nothing read is no evidence, not a log without a crash: an empty file, or a FIFO
    // or pipe whose writer closed (or never came) before writing anything.
    guard evidence.withBytes({ !$0.isEmpty }) else {
      throw ExamineError.badData(path: path, problem: "empty", expected: "a vmcore or kernel log text")
    }
    let format = evidence.withBytes {
      EvidenceFormat.sniff(UnsafeBufferPointer(rebasing: $0.prefix(EvidenceFormat.sampleSize)))
    }
    switch format {
    case .vmcore:
      // A dump from a pipe is read from memory; a file is mapped by Dump itself.
      if path == "-" {
        return try examine(dump: Self.open(path) { try Vmcore(source: evidence.memorySource) })
      }
      return try examine(dump: Self.open(path) { try Vmcore.open(path: path) })
    case .text:
      return examine(text: evidence)
    case .journalFile, .binary, .pstoreFolder:
      throw Self.refusal(path: path, format: format)
    }
  }

  /// Examines the files of one dump written in parts (`makedumpfile --split`).
  public func examine(splitDump paths: [String]) throws -> CauseOfDeath {
    try examine(dump: Self.open(paths.joined(separator: " ")) { try Vmcore.open(paths: paths) })
  }

  /// Examines bytes held in memory (an upload, a pipe): a dump or a text log.
  public func examine(bytes: [UInt8], name: String) throws -> CauseOfDeath {
    let evidence = EvidenceBytes(path: name, bytes: bytes)
    let format = EvidenceFormat.sniff(Array(bytes.prefix(EvidenceFormat.sampleSize)))
    switch format {
    case .vmcore: return try examine(dump: Self.open(name) { try Vmcore(source: evidence.memorySource) })
    case .text: return examine(text: evidence)
    case .journalFile, .binary, .pstoreFolder: throw Self.refusal(path: name, format: format)
    }
  }

  /// Examines a kernel log held in memory whose kind the caller knows (the dmesg of
  /// an uploaded capture or pstore folder): the text path, the kind as given.
  public func examine(log bytes: [UInt8], name: String, kind: EvidenceKind) -> CauseOfDeath {
    examine(text: EvidenceBytes(path: name, bytes: bytes), kind: kind)
  }

  /// Examines log records that arrived one by one (a netconsole stream, a pstore
  /// record already split): the same parser as for a file.
  public func examine(records: [LogRecord], name: String, kind: EvidenceKind) -> CauseOfDeath {
    let reports = CrashReportParser().reports(in: records, evidenceKind: kind.rawValue)
    return finish(reports, path: name, kind: kind, problems: [])
  }

  /// Examines a dump already opened: its log's reports, the killer joined with the
  /// dump's scene.
  public func examine(dump vmcore: Vmcore) throws -> CauseOfDeath {
    let dump = try DumpEvidence.read(vmcore)
    var problems = dump.problems
    let records = dump.log.records.map(\.logRecord)
    var reports = CrashReport.killerFirst(CrashReportParser().reports(in: records, evidenceKind: "vmcore"))
    // The scene is the last oops/panic of the log: the report that killed the kernel.
    if !reports.isEmpty { reports[0] = dump.joinScene(reports[0], problems: &problems) }
    for index in reports.indices { reports[index].evidence.path = vmcore.path }
    var cause = CauseOfDeath(path: vmcore.path, kind: .vmcore, reports: reports, problems: problems)
    if !reports.isEmpty {
      symbolize(&cause, buildID: vmcore.vmcoreInfo?.buildID, release: dump.release(reports.first))
    }
    return cause
  }

  /// Console text goes straight to the byte scanner, which decodes only the lines
  /// around crashes, and lets the pages it is done with go.
  func examine(text evidence: EvidenceBytes, kind: EvidenceKind = .console) -> CauseOfDeath {
    let reports = evidence.withBytes { bytes in
      var released = 0
      return CrashReportParser().reports(inLog: bytes, evidenceKind: kind.rawValue) { offset in
        guard offset - released >= 16 << 20 else { return }
        evidence.release(before: offset)
        released = offset
      }
    }
    return finish(reports, path: evidence.path, kind: kind, problems: [])
  }

  /// Killer first, paths set, frames resolved when debuginfo was asked for.
  func finish(
    _ reports: [CrashReport], path: String, kind: EvidenceKind, problems: [EvidenceProblem]
  ) -> CauseOfDeath {
    var reports = CrashReport.killerFirst(reports)
    for index in reports.indices where reports[index].evidence.path == nil {
      reports[index].evidence.path = path
    }
    var cause = CauseOfDeath(path: path, kind: kind, reports: reports, problems: problems)
    let release = reports.lazy.compactMap { $0.kernel?.release }.first
    if !reports.isEmpty { symbolize(&cause, buildID: nil, release: release) }
    return cause
  }

  func symbolize(_ cause: inout CauseOfDeath, buildID: String?, release: String?) {
    guard let symbolizer = FrameSymbolizer(options: options, buildID: buildID, release: release) else {
      return
    }
    cause.reports = cause.reports.map { symbolizer.annotate($0) }
    cause.problems += symbolizer.problems
  }

  /// Opens a dump, its errors as examine's: a file that cannot be opened is missing
  /// or unreadable, one whose structures are wrong is bad data.
  static func open(_ path: String, _ body: () throws -> Vmcore) throws -> Vmcore {
    do {
      return try body()
    } catch DumpError.cannotOpen(let file, let number) {
      // ENOENT 2, EACCES 13 (asm-generic/errno-base.h): the input is missing or
      // closed to us; any other failure to open or map is an I/O error.
      if number == 2 { throw ExamineError.missing(path: file) }
      if number == 13 { throw ExamineError.unreadable(path: file, reason: "permission denied") }
      throw ExamineError.io(path: file, reason: "\(DumpError.cannotOpen(path: file, errno: number))")
    } catch {
      throw ExamineError.badData(path: path, problem: "cannot read the dump: \(error)", expected: "")
    }
  }

  /// Why a format is not read, and what would be.
  static func refusal(path: String, format: EvidenceFormat) -> ExamineError {
    switch format {
    case .journalFile:
      return .badData(
        path: path, problem: "a systemd journal file, which examine does not read",
        expected: "its text: journalctl -k -o short-monotonic --file \(path)")
    default:
      return .badData(
        path: path,
        problem: "not a kernel log or dump: \(format) in the first \(EvidenceFormat.sampleSize >> 10) KiB",
        expected: "a vmcore (ELF, KDUMP, DISKDUMP or makedumpfile signature) or console text")
    }
  }
}

extension EvidenceBytes {
  /// The bytes as a source Dump reads (a dump from a pipe or an upload).
  var memorySource: MemoryByteSource {
    withBytes { MemoryByteSource(name: path, bytes: Array($0)) }
  }
}
