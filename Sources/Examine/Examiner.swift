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
    return try examine(try Self.evidence(path))
  }

  /// A file or standard input opened as evidence. Nothing read is no evidence, not a
  /// log without a crash: an empty file, or a FIFO or pipe whose writer closed (or
  /// never came) before writing anything.
  static func evidence(_ path: String) throws -> EvidenceBytes {
    let evidence = path == "-" ? try EvidenceBytes.standardInput() : try EvidenceBytes.read(path)
    guard !evidence.isEmpty else {
      throw ExamineError.badData(path: path, problem: "empty", expected: "a vmcore or kernel log text")
    }
    return evidence
  }

  /// The format told from the first bytes, then the dump or the log read from the
  /// same open file or bytes.
  func examine(_ evidence: EvidenceBytes) throws -> CauseOfDeath {
    let format = EvidenceFormat.sniff(try evidence.prefix(EvidenceFormat.sampleSize))
    switch format {
    case .vmcore:
      return try examine(dump: Self.open(evidence.path) { try Vmcore(source: evidence.dumpSource) })
    case .text: return try examine(text: evidence)
    case .journalFile, .binary, .pstoreFolder: throw Self.refusal(path: evidence.path, format: format)
    }
  }

  /// Examines the files of one dump written in parts (`makedumpfile --split`).
  public func examine(splitDump paths: [String]) throws -> CauseOfDeath {
    try examine(dump: Self.open(paths.joined(separator: " ")) { try Vmcore.open(paths: paths) })
  }

  /// Examines bytes held in memory (an upload, a pipe): a dump or a text log.
  public func examine(bytes: [UInt8], name: String) throws -> CauseOfDeath {
    try examine(EvidenceBytes(path: name, bytes: bytes))
  }

  /// Examines a kernel log held in memory whose kind the caller knows (the dmesg of
  /// an uploaded capture or pstore folder): the text path, the kind as given.
  public func examine(log bytes: [UInt8], name: String, kind: EvidenceKind) throws -> CauseOfDeath {
    try examine(text: EvidenceBytes(path: name, bytes: bytes), kind: kind)
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
    var tasks: TaskScene?
    if !reports.isEmpty {
      reports[0] = dump.joinScene(reports[0], problems: &problems)
      tasks = dump.taskScene(for: reports[0], problems: &problems)
    }
    for index in reports.indices { reports[index].evidence.path = vmcore.path }
    var cause = CauseOfDeath(
      path: vmcore.path, kind: .vmcore, reports: reports, problems: problems, tasks: tasks)
    if !reports.isEmpty {
      symbolize(&cause, buildID: vmcore.vmcoreInfo?.buildID, release: dump.release(reports.first))
    }
    return cause
  }

  /// Console text goes straight to the byte scanner, which decodes only the lines
  /// around crashes, and lets the pages it is done with go.
  func examine(text evidence: EvidenceBytes, kind: EvidenceKind = .console) throws -> CauseOfDeath {
    var reports: [CrashReport] = []
    try scan(text: evidence, kind: kind) { reports.append($0) }
    return finish(reports, path: evidence.path, kind: kind, problems: [])
  }

  /// The reports of console text handed to `each` in log order as the scanner finds
  /// them, the pages already scanned let go every 16 MiB.
  func scan(text evidence: EvidenceBytes, kind: EvidenceKind, each: (CrashReport) throws -> Void) throws {
    try evidence.withBytes { bytes in
      var released = 0
      try CrashReportParser().reports(
        inLog: bytes, evidenceKind: kind.rawValue,
        consumed: { offset in
          guard offset - released >= 16 << 20 else { return }
          evidence.release(before: offset)
          released = offset
        }, found: each)
    }
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
      throw ExamineError.failed(
        path: file, errno: number, reason: "\(DumpError.cannotOpen(path: file, errno: number))")
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
