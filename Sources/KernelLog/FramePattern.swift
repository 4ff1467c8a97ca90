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

  func matches(_ name: String) -> Bool {
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

  init(_ patterns: [String]) { self.patterns = patterns.map(FramePattern.init) }

  func matches(_ name: String) -> Bool { patterns.contains { $0.matches(name) } }

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
