import XCTest

@testable import KernelLog

/// The fixed text read from a header pattern, and that a window without it is
/// one the pattern does not match.
final class RequiredTextTests: XCTestCase {
  func testClausesOfTablePatterns() {
    XCTAssertEqual(
      RequiredText.clauses(of: #"BUG: KASAN: ([a-z\-]+) in \S+(?:.*\n)*?.*\b(Read|Write) (?:of|at addr)"#),
      [["BUG: KASAN: "], [" in "], ["Read", "Write"], [" "], ["of", "at addr"]])
    XCTAssertEqual(
      RequiredText.clauses(of: #"WARNING: .*mm/vmalloc\.c:\d+ __vmalloc_node"#),
      [["WARNING: "], ["mm/vmalloc.c:"], [" __vmalloc_node"]])
    XCTAssertEqual(RequiredText.clauses(of: #"^Oops: "#), [["Oops: "]])
    XCTAssertEqual(
      RequiredText.clauses(of: #"DEBUG_LOCKS_WARN_ON(?!.*\n.*WARNING: )"#), [["DEBUG_LOCKS_WARN_ON"]])
    XCTAssertEqual(RequiredText.clauses(of: #"WARNING: [Nn]ested lock"#), [["WARNING: "], ["ested lock"]])
    // An optional or repeated character ends the run.
    XCTAssertEqual(RequiredText.clauses(of: "ab?c"), [["a"], ["c"]])
    XCTAssertEqual(RequiredText.clauses(of: "ab+c"), [["ab"], ["c"]])
    XCTAssertEqual(RequiredText.clauses(of: "ab{2}c"), [["a"], ["c"]])
    XCTAssertEqual(RequiredText.clauses(of: "a(?: x)?b"), [["a"], ["b"]])
  }

  func testNothingRequiredWhenNotUnderstood() {
    XCTAssertEqual(RequiredText.clauses(of: "BUG: a|WARNING: b"), [])
    XCTAssertEqual(RequiredText.clauses(of: "(?i)bug: x"), [])
    XCTAssertEqual(RequiredText.clauses(of: #"BUG: \p{L}"#), [])
    XCTAssertEqual(RequiredText.clauses(of: "BUG: (unclosed"), [])
    XCTAssertEqual(RequiredText.clauses(of: "BUG: [abc"), [])
    XCTAssertEqual(RequiredText.clauses(of: "BUG: K\u{212A}"), [])
  }

  func testWindowOutsideASCIIIsAlwaysSearched() {
    let clauses = [["KASAN"]]
    XCTAssertFalse(RequiredText.allowsMatch(in: "BUG: KASAM", clauses: clauses))
    XCTAssertTrue(RequiredText.allowsMatch(in: "BUG: \u{212A}ASAN", clauses: clauses))
    XCTAssertTrue(RequiredText.allowsMatch(in: "anything", clauses: []))
  }

  /// Every pattern of the table, on every line of the real-log fixtures that holds
  /// its marker with the lines after it: where the pattern matches, the fixed text
  /// read from it is there.
  func testTablePatternsNeverMatchWithoutTheirText() throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
      "Fixtures/real")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
      $0.hasSuffix(".log")
    }
    var matched = 0
    for name in names.sorted() {
      let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
      let texts = KernelLogReader.records(in: bytes).map(\.text)
      for (index, text) in texts.enumerated() {
        for kind in CrashKinds.table where !kind.requiredText.isEmpty && text.contains(kind.marker) {
          let window = texts[index..<min(texts.count, index + kind.window + 1)].joined(separator: "\n")
          guard let pattern = kind.pattern, (try? pattern.firstMatch(in: window)) != nil else { continue }
          matched += 1
          XCTAssertTrue(
            RequiredText.allowsMatch(in: window, clauses: kind.requiredText), "\(name): \(kind.patternSource)"
          )
        }
      }
    }
    XCTAssertGreaterThan(matched, 100)
  }
}
