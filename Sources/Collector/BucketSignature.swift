import Crypto
import KernelLog

/// Which bucket a crash belongs to, as syzbot buckets: by its title, the
/// alternative titles of the same report leading to the same bucket. A title that
/// names no place (`kernel panic: Fatal exception`, `BUG: soft lockup`) or a report
/// whose title cannot be trusted (corrupted) adds a hash of its first reliable,
/// non-generic frames, as ABRT/FAF hash an oops' first frames, so that unrelated
/// crashes behind one vague title are kept apart.
public struct BucketSignature: Sendable, Equatable {
  /// The bucket's key in the store.
  public var signature: String
  /// The titles that lead to the bucket: the signature and, for titled buckets,
  /// the report's alternative titles.
  public var titles: [String]
  public var title: String
  public var kind: String
  public var frames: [String]

  public init(_ report: CrashReport) {
    title = report.title.isEmpty ? "UNKNOWN" : report.title
    kind = (report.type == .unknown ? CrashType.of(title: title) : report.type).rawValue
    frames = report.signatureFrames()
    let namesPlace = title.contains(" in ") && !report.corrupted
    if namesPlace {
      let main = title
      signature = main
      titles = [main] + report.altTitles.filter { $0 != main }
    } else {
      let digest = SHA256.hash(data: Array(frames.joined(separator: "\n").utf8))
      let hex = digest.prefix(8).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
      signature =
        (report.corrupted ? "corrupted: " : "") + title + " | frames:" + (frames.isEmpty ? "none" : hex)
      titles = [signature]
    }
  }
}

extension String {
  func leftPadded(to width: Int, with pad: Character = "0") -> String {
    count >= width ? self : String(repeating: pad, count: width - count) + self
  }
}
