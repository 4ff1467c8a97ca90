import Foundation

/// Times in the store are seconds since the epoch (UTC): one integer both dialects
/// sort, and a day number that is `seconds / 86400`.
enum UnixTime {
  static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

  static func day(_ seconds: Int64) -> Int64 { seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400 }

  /// `2026-12-04T05:21:19Z`.
  static func iso8601(_ seconds: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
  }

  /// `2026-12-04`.
  static func dayString(_ day: Int64) -> String { String(iso8601(day * 86_400).prefix(10)) }
}
