import Foundation
import XCTest

@testable import KernelLog

/// A field of a corpus file that the parser must reproduce.
enum CorpusField: String, CaseIterable {
  case crash, title, type, corrupted

  func expected(_ sample: CorpusSample) -> String {
    switch self {
    case .crash: return sample.title == nil ? "no crash" : "a crash"
    case .title: return sample.title ?? "-"
    case .type: return sample.headers["TYPE"]?.first ?? "UNKNOWN"
    case .corrupted: return sample.flag("CORRUPTED") ? "Y" : "N"
    }
  }

  func found(_ report: CrashReport?) -> String {
    switch self {
    case .crash: return report == nil ? "no crash" : "a crash"
    case .title: return report?.title ?? "-"
    case .type: return report?.type.rawValue ?? "UNKNOWN"
    case .corrupted:
      guard let report else { return "N" }
      return report.corrupted ? "Y (\(report.corruptedReason ?? ""))" : "N"
    }
  }

  /// Title, type and corruption are only judged on files that expect a crash.
  func agrees(sample: CorpusSample, report: CrashReport?) -> Bool {
    switch self {
    case .crash: return (sample.title == nil) == (report == nil)
    case .title, .type, .corrupted:
      guard sample.title != nil else { return true }
      if self == .corrupted { return (report?.corrupted ?? false) == sample.flag("CORRUPTED") }
      return expected(sample) == found(report)
    }
  }
}

/// The reviewed list of corpus fields the parser does not reproduce today, one
/// `report/N field` a line; `#` starts a comment.
enum KnownMisses {
  static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/syzkaller-known-misses.txt")

  static func load() throws -> Set<String> {
    let text = try String(contentsOf: file, encoding: .utf8)
    return Set(
      text.split(separator: "\n").compactMap { line in
        let entry = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = entry.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
      })
  }
}
