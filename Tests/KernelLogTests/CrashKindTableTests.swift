import XCTest

@testable import KernelLog

/// The table of crash kinds is data: a typo in a pattern must fail here, not
/// silently turn the row into a marker-only match.
final class CrashKindTableTests: XCTestCase {
  func testEveryPatternCompiles() {
    for (row, kind) in CrashKinds.table.enumerated() where !kind.patternSource.isEmpty {
      XCTAssertNoThrow(try Regex(kind.patternSource), "row \(row) (\(kind.marker)): \(kind.patternSource)")
      XCTAssertNotNil(kind.pattern, "row \(row) (\(kind.marker)) lost its pattern")
    }
  }

  func testEveryTitlePlaceholderHasItsSource() {
    for (row, kind) in CrashKinds.table.enumerated() {
      let groups = kind.pattern.map { _ in groupCount(kind.patternSource) } ?? 0
      for template in [kind.title] + kind.alternatives {
        for index in 1...9 where template.contains("{\(index)}") {
          XCTAssertLessThanOrEqual(index, groups, "row \(row): \(template) uses group \(index)")
        }
      }
      if case .capture(let group) = kind.stack {
        XCTAssertLessThanOrEqual(group, groups, "row \(row): stack capture \(group)")
      }
    }
  }

  /// Capturing groups: `(` not followed by `?` and not escaped.
  private func groupCount(_ pattern: String) -> Int {
    let bytes = Array(pattern.utf8)
    var count = 0
    var index = 0
    while index < bytes.count {
      if bytes[index] == UInt8(ascii: "\\") {
        index += 2
        continue
      }
      if bytes[index] == UInt8(ascii: "("), index + 1 >= bytes.count || bytes[index + 1] != UInt8(ascii: "?")
      {
        count += 1
      }
      index += 1
    }
    return count
  }
}
