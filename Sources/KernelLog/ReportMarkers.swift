/// For a caller that sees a log one line at a time (a netconsole stream): whether a
/// line may start a crash report, decided by the same marker scan the file parser
/// uses, so the few lines that may are all that is handed to `CrashReportParser`.
public struct ReportMarkers: Sendable {
  private let scanner: MarkerScanner

  public init() {
    scanner = MarkerScanner(markers: HeaderMatcher.shared.markers)
  }

  public func mayStartReport(_ line: [UInt8]) -> Bool {
    line.withUnsafeBufferPointer { scanner.firstMarker(in: $0, from: 0) != nil }
  }

  public func mayStartReport(_ line: String) -> Bool { mayStartReport(Array(line.utf8)) }
}
