import Capture
import Foundation
import KernelLog

/// A pstore folder: the records of /sys/fs/pstore (or a copy of them), whose kmsg
/// dump parts are joined into logs as `coroner pstore` joins them, or a folder that
/// `coroner pstore` wrote (`dmesg-*.txt` and `manifest.txt`). Either way each log
/// goes to the report parser; holes in a dump's parts are problems of the log.
struct PstoreEvidence {
  /// One log of the folder: its name, its text, and what is known to be missing.
  struct Log {
    var name: String
    var bytes: [UInt8]
    var note: String?
  }

  let path: String
  let logs: [Log]

  /// Whether `path` is a folder that holds pstore records or harvested logs.
  static func isFolder(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      return false
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.contains { PstoreRecord(fileName: $0) != nil || isHarvestedLog($0) }
  }

  /// `dmesg-N-reason.txt` and `dmesg-BACKEND-ID.txt`, as `PstoreHarvest` names them.
  static func isHarvestedLog(_ name: String) -> Bool {
    name.hasPrefix("dmesg-") && name.hasSuffix(".txt")
  }

  init(path: String) throws {
    let harvest: PstoreHarvest
    do {
      harvest = try PstoreHarvest(from: path)
    } catch {
      throw ExamineError.unreadable(path: error.path, reason: error.problem)
    }
    var logs: [Log] = harvest.boots.flatMap(\.outputs).filter { $0.name.hasPrefix("dmesg") }.map {
      Log(name: $0.name, bytes: $0.bytes, note: $0.note)
    }
    if harvest.records.isEmpty {
      logs = try Self.harvestedLogs(in: path)
    }
    self.path = path
    self.logs = logs
  }

  /// The logs of a folder `coroner pstore` wrote, with the notes of its manifest.
  static func harvestedLogs(in path: String) throws -> [Log] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter(isHarvestedLog)
      .sorted()
    let manifest = (try? String(contentsOfFile: path + "/manifest.txt", encoding: .utf8)) ?? ""
    var notes: [String: String] = [:]
    // `NAME: SOURCES (NOTE)` lines (PstoreHarvest.write).
    for line in manifest.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":"), line.hasSuffix(")"), let open = line.firstIndex(of: "(")
      else {
        continue
      }
      notes[String(line[..<colon])] = String(
        line[line.index(after: open)..<line.index(before: line.endIndex)])
    }
    var logs: [Log] = []
    for name in names {
      guard let data = FileManager.default.contents(atPath: "\(path)/\(name)") else {
        throw ExamineError.unreadable(path: "\(path)/\(name)", reason: "cannot read")
      }
      logs.append(Log(name: name, bytes: [UInt8](data), note: notes[name]))
    }
    return logs
  }

  func examine(_ examiner: Examiner) -> CauseOfDeath {
    var reports: [CrashReport] = []
    var problems: [EvidenceProblem] = []
    for log in logs {
      var found = CrashReportParser().reports(inLog: log.bytes, evidenceKind: EvidenceKind.pstore.rawValue)
      for index in found.indices { found[index].evidence.path = "\(path)/\(log.name)" }
      reports += found
      if let note = log.note { problems.append(EvidenceProblem(.log, "\(log.name): \(note)")) }
    }
    if logs.isEmpty { problems.append(EvidenceProblem(.log, "the folder holds no kmsg dump")) }
    // Each report names the log of the folder it came from.
    return examiner.finish(reports, path: path, kind: .pstore, problems: problems)
  }
}
