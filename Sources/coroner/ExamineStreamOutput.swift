import Examine
import Foundation
import KernelLog

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `examine --stream`: each report printed and flushed as the scan hands it over, so
/// the output of a log of thousands of crashes starts at once and memory holds one
/// report; the file's closing line (text) or object (JSON Lines) follows the last.
struct ExamineStreamOutput {
  var json: Bool

  /// One report line of the JSON Lines stream.
  private struct ReportLine: Encodable {
    var path: String
    var report: CrashReport
  }

  /// Examines `path`, printing as it goes; whether the evidence was conclusive.
  func examine(_ path: String, with examiner: Examiner) throws -> Bool {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var number = 0
    let end = try examiner.examine(path: path) { report in
      number += 1
      if json {
        let line = ReportLine(path: report.evidence.path ?? path, report: report)
        print(String(decoding: try encoder.encode(line), as: UTF8.self))
      } else {
        if number == 1 { print("\(path): crash reports as found, in log order") }
        print("")
        print(ExamineSummary.block(report, number: number, of: nil).joined(separator: "\n"))
      }
      fflush(stdout)
    }
    if json {
      print(String(decoding: try encoder.encode(end), as: UTF8.self))
    } else {
      if number > 0 { print("") }
      print(ExamineSummary.countLine(path: end.path, kind: end.kind, count: end.reports))
      if !end.problems.isEmpty { print(ExamineSummary.problemLines(end.problems).joined(separator: "\n")) }
    }
    fflush(stdout)
    return end.isConclusive
  }
}
