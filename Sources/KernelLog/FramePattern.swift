/// A pattern over a function name, in the small language the skip lists use:
/// `^name` matches a prefix, `name$` a suffix, `^name$` the whole name, anything
/// else a substring. Plain string tests keep the lists readable and fast.
struct FramePattern: Sendable, Hashable {
  enum Anchor: Sendable, Hashable { case prefix, suffix, exact, substring }
  let text: String
  let anchor: Anchor

  init(_ pattern: String) {
    var body = Substring(pattern)
    let start = body.hasPrefix("^")
    if start { body = body.dropFirst() }
    let end = body.hasSuffix("$")
    if end { body = body.dropLast() }
    text = String(body)
    switch (start, end) {
    case (true, true): anchor = .exact
    case (true, false): anchor = .prefix
    case (false, true): anchor = .suffix
    case (false, false): anchor = .substring
    }
  }

  /// Compiler suffixes (`.isra.0`, `.cold`, `.constprop.1`) do not change
  /// which function a frame is.
  func matches(_ symbol: String, wholeName: Bool = false) -> Bool {
    matches(base: wholeName ? symbol : FramePattern.baseName(symbol))
  }

  /// The symbol without its compiler suffix, found on bytes (the Character-based
  /// search costs more than the comparisons it prepares).
  static func baseName(_ symbol: String) -> String {
    guard let dot = symbol.utf8.firstIndex(of: UInt8(ascii: ".")), dot != symbol.utf8.startIndex else {
      return symbol
    }
    return String(symbol[..<dot])
  }

  func matches(base name: String) -> Bool {
    switch anchor {
    case .prefix: return name.hasPrefix(text)
    case .suffix: return name.hasSuffix(text)
    case .exact: return name == text
    case .substring: return name.contains(text)
    }
  }
}

struct FramePatternList: Sendable {
  let patterns: [FramePattern]
  /// Match paths as they are, not as symbols with compiler suffixes.
  var wholeNames = false

  init(_ patterns: [String], wholeNames: Bool = false) {
    self.patterns = patterns.map(FramePattern.init)
    self.wholeNames = wholeNames
  }

  func matches(_ name: String) -> Bool {
    let base = wholeNames ? name : FramePattern.baseName(name)
    return patterns.contains { $0.matches(base: base) }
  }

  static func + (lhs: FramePatternList, rhs: [String]) -> FramePatternList {
    FramePatternList(lhs.patterns.map(\.source) + rhs)
  }
}

extension FramePattern {
  var source: String {
    switch anchor {
    case .prefix: return "^" + text
    case .suffix: return text + "$"
    case .exact: return "^" + text + "$"
    case .substring: return text
    }
  }
}
