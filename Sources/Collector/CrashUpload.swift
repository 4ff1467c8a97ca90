import Examine
import Foundation
import KernelLog

/// The body of `POST /api/v1/crashes`: the evidence of one crash folder, as
/// `coroner send` packs it (docs/collector-api.yaml).
///
/// - `capture`: what `coroner capture` wrote: `crash.json` and `dmesg.txt`
///   (the dump itself stays on the host; its manifest is in crash.json).
/// - `pstore`: a pstore harvest: `dmesg-*` files the kernel wrote before it died.
/// - `console`: console text (serial console, netconsole log, journal).
public struct CrashUpload: Sendable, Codable {
  public enum Kind: String, Sendable, Codable { case capture, pstore, console }

  public struct File: Sendable, Codable {
    public var name: String
    /// UTF-8 text, or
    public var text: String?
    /// the bytes in base64, for files that are not text.
    public var base64: String?

    public init(name: String, bytes: [UInt8]) {
      self.name = name
      if let text = String(validating: bytes, as: UTF8.self) {
        self.text = text
      } else {
        base64 = Data(bytes).base64EncodedString()
      }
    }

    public var bytes: [UInt8]? {
      if let text { return Array(text.utf8) }
      return base64.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    }
  }

  public var kind: Kind
  /// The kernel release, when the sender knows it.
  public var release: String?
  public var files: [File]

  public init(kind: Kind, release: String? = nil, files: [File]) {
    self.kind = kind
    self.release = release
    self.files = files
  }

  public static let maximumFiles = 64

  /// The crashes the upload holds, and the release it names, read by `examiner` as
  /// `coroner examine` reads the same files: a capture's dmesg as the dump's log, a
  /// pstore harvest's logs as pstore, console text sniffed first (bytes that are not a
  /// kernel log are refused with Examine's reason).
  public func reports(
    examiner: Examiner = Examiner()
  ) throws(CollectorError) -> (
    reports: [CrashReport], release: String?
  ) {
    guard files.count <= Self.maximumFiles else {
      throw .refused(status: 400, reason: "at most \(Self.maximumFiles) files, got \(files.count)")
    }
    var release = self.release
    var logs: [(name: String, bytes: [UInt8])] = []
    for file in files {
      guard let bytes = file.bytes else {
        throw .refused(status: 400, reason: "file '\(file.name)': neither 'text' nor valid 'base64'")
      }
      logs.append((file.name, bytes))
    }
    let evidence: EvidenceKind
    switch kind {
    case .capture:
      evidence = .vmcore
      if let record = logs.first(where: { $0.name == "crash.json" }) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(record.bytes)) as? [String: Any]
        else {
          throw .refused(status: 400, reason: "crash.json: not a JSON object")
        }
        release = release ?? ((object["kernel"] as? [String: Any])?["release"] as? String)
      }
      // dmesg.txt is the dump's log; without it, nothing here names the crash.
      logs = logs.filter { $0.name.hasPrefix("dmesg") && $0.name.hasSuffix(".txt") }
    case .pstore:
      evidence = .pstore
      logs = logs.filter { $0.name.contains("dmesg") || $0.name.contains("console") }
    case .console:
      evidence = .console
    }
    // A pstore harvest may hold the same crash twice: in the kmsg dump (`dmesg-*`)
    // and in the console record of the same boot. The dump is the crash's own record;
    // the console is read only when no dump names a crash.
    if kind == .pstore {
      let dumps = logs.filter { $0.name.contains("dmesg") }
      let dumpReports = try Self.reports(in: dumps, evidence: evidence, examiner: examiner)
      if !dumpReports.isEmpty { return (dumpReports, release) }
    }
    return (try Self.reports(in: logs, evidence: evidence, examiner: examiner), release)
  }

  static func reports(
    in logs: [(name: String, bytes: [UInt8])], evidence: EvidenceKind, examiner: Examiner
  ) throws(CollectorError) -> [CrashReport] {
    var reports: [CrashReport] = []
    for log in logs {
      let cause: CauseOfDeath
      do {
        cause =
          evidence == .console
          ? try examiner.examine(bytes: log.bytes, name: log.name)
          : try examiner.examine(log: log.bytes, name: log.name, kind: evidence)
      } catch {
        throw .refused(status: 400, reason: "file '\(log.name)': \(error)")
      }
      for report in cause.reports {
        // One report seen twice in one folder (ramoops keeps the oops dump and the
        // panic dump of the same crash) is one crash.
        if let same = reports.firstIndex(where: { $0.title == report.title && $0.frames == report.frames }) {
          reports[same].panicked = reports[same].panicked || report.panicked
        } else {
          reports.append(report)
        }
      }
    }
    return reports
  }
}
