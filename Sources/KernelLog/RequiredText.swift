/// What every match of a header pattern must contain, read from the pattern's
/// source: a list of clauses, each a list of strings of which at least one occurs
/// in any matched text. A window holding no string of some clause cannot match,
/// so the regular expression is not run on it (a failing search over a window of
/// several lines costs up to milliseconds: `(?:.*\n)*?.*\b(Read|Write)` retries
/// every split of the window).
///
/// Only what is certain is taken: runs of literal characters at the top level of
/// the pattern, and groups at the top level that are an alternation of literal
/// runs (`(Read|Write)`, `(?:of|at addr)`). A character followed by `*`, `?` or
/// `{` may be absent, as may a group so quantified, a lookaround or a class. A
/// `|` at the top level, an inline option (`(?i)`) or an escape not understood
/// gives no clause at all: the pattern is then always run.
enum RequiredText {
  static func clauses(of pattern: String) -> [[String]] {
    // A literal outside ASCII may match other text by canonical equivalence.
    guard pattern.unicodeScalars.allSatisfy(\.isASCII) else { return [] }
    var parser = Parser(Array(pattern.unicodeScalars))
    return parser.clauses() ?? []
  }

  /// True when `text` holds a string of every clause. Literals are ASCII and a
  /// pattern matches by characters: in ASCII text a character is its byte, so a
  /// match holds the literal's bytes. Outside ASCII (where `K` may match the
  /// Kelvin sign by canonical equivalence) nothing is ruled out.
  static func allowsMatch(in text: String, clauses: [[String]]) -> Bool {
    guard !clauses.isEmpty, text.utf8.allSatisfy({ $0 < 0x80 }) else { return true }
    return clauses.allSatisfy { clause in clause.contains { text.contains($0) } }
  }

  /// Escapes of one character class or assertion: they match no fixed text.
  static let classEscapes: Set<Unicode.Scalar> = [
    "b", "B", "d", "D", "w", "W", "s", "S", "n", "t", "r", "f", "v", "h", "H", "A", "z", "Z", "R", "X",
  ]
  static let metacharacters: Set<Unicode.Scalar> = [
    "\\", ".", "^", "$", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|",
  ]

  private struct Parser {
    let source: [Unicode.Scalar]
    var index = 0

    init(_ source: [Unicode.Scalar]) { self.source = source }

    func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
      index + ahead < source.count ? source[index + ahead] : nil
    }

    /// An escaped punctuation character stands for itself.
    static func isLiteralEscape(_ scalar: Unicode.Scalar) -> Bool {
      scalar.isASCII && !(scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
        && scalar.value >= 0x21 && scalar.value < 0x7F
    }

    enum Quantifier {
      /// No quantifier follows the atom.
      case none
      /// `*`, `?`, `{m,n}`: the atom may be absent.
      case optional
      /// `+`: the atom is there at least once.
      case repeated
      /// A `{` without its `}`.
      case invalid
    }

    /// Skips the quantifier after an atom, with its lazy or possessive suffix.
    mutating func skipQuantifier() -> Quantifier {
      var quantifier = Quantifier.none
      switch peek() {
      case "*", "?":
        quantifier = .optional
        index += 1
      case "+":
        quantifier = .repeated
        index += 1
      case "{":
        while let scalar = peek(), scalar != "}" { index += 1 }
        guard peek() == "}" else { return .invalid }
        quantifier = .optional
        index += 1
      default:
        return .none
      }
      if peek() == "?" || peek() == "+" { index += 1 }
      return quantifier
    }

    mutating func clauses() -> [[String]]? {
      var clauses: [[String]] = []
      var run = ""
      func flush() {
        if !run.isEmpty { clauses.append([run]) }
        run = ""
      }
      // A literal character joins the run; one that may be absent or repeated
      // ends the run (before or after itself).
      func add(_ scalar: Unicode.Scalar, _ quantifier: Quantifier) {
        if quantifier != .optional { run.unicodeScalars.append(scalar) }
        if quantifier != .none { flush() }
      }
      while let scalar = peek() {
        switch scalar {
        case "\\":
          guard let escaped = peek(1) else { return nil }
          index += 2
          if Parser.isLiteralEscape(escaped) {
            let quantifier = skipQuantifier()
            guard quantifier != .invalid else { return nil }
            add(escaped, quantifier)
          } else if RequiredText.classEscapes.contains(escaped) {
            flush()
            guard skipQuantifier() != .invalid else { return nil }
          } else {
            return nil
          }
        case "(":
          flush()
          guard let body = group() else { return nil }
          let quantifier = skipQuantifier()
          guard quantifier != .invalid else { return nil }
          if quantifier == .optional { continue }
          if body.first == "?" {
            // `(?:...)` is a plain group; `(?=`, `(?!`, `(?<=`, `(?<!` look around
            // (nothing is consumed); any other `(?` sets options or names a group.
            if body.count >= 2, body[1] == ":" {
              if let alternatives = Parser.literalAlternatives(Array(body.dropFirst(2))) {
                clauses.append(alternatives)
              }
            } else if body.count >= 2, body[1] == "=" || body[1] == "!" {
              continue
            } else if body.count >= 3, body[1] == "<", body[2] == "=" || body[2] == "!" {
              continue
            } else {
              return nil
            }
          } else if let alternatives = Parser.literalAlternatives(body) {
            clauses.append(alternatives)
          }
        case "[":
          flush()
          guard skipClass(), skipQuantifier() != .invalid else { return nil }
        case "|":
          return nil
        case ".", "^", "$":
          flush()
          index += 1
          guard skipQuantifier() != .invalid else { return nil }
        case "*", "+", "?", "{", ")", "]", "}":
          // A quantifier or closing bracket where an atom is expected: not understood.
          return nil
        default:
          index += 1
          let quantifier = skipQuantifier()
          guard quantifier != .invalid else { return nil }
          add(scalar, quantifier)
        }
      }
      flush()
      return clauses
    }

    /// The body of the group opening at `index`, which moves past its `)`.
    mutating func group() -> [Unicode.Scalar]? {
      let start = index + 1
      var depth = 0
      while let scalar = peek() {
        switch scalar {
        case "\\":
          index += 2
          continue
        case "[":
          guard skipClass() else { return nil }
          continue
        case "(":
          depth += 1
        case ")":
          depth -= 1
          if depth == 0 {
            index += 1
            return Array(source[start..<(index - 1)])
          }
        default:
          break
        }
        index += 1
      }
      return nil
    }

    /// Moves past the class opening at `index` (`[^\]a-z]`).
    mutating func skipClass() -> Bool {
      index += 1
      if peek() == "^" { index += 1 }
      if peek() == "]" { index += 1 }
      while let scalar = peek() {
        if scalar == "\\" {
          index += 2
          continue
        }
        if scalar == "[" { return false }
        index += 1
        if scalar == "]" { return true }
      }
      return false
    }

    /// `a|bc|d` when every alternative is literal text (escaped punctuation
    /// allowed) and none is empty; nil otherwise.
    static func literalAlternatives(_ body: [Unicode.Scalar]) -> [String]? {
      var alternatives: [String] = []
      var current = ""
      var position = 0
      while position < body.count {
        let scalar = body[position]
        if scalar == "|" {
          guard !current.isEmpty else { return nil }
          alternatives.append(current)
          current = ""
        } else if scalar == "\\" {
          guard position + 1 < body.count, isLiteralEscape(body[position + 1]) else { return nil }
          current.unicodeScalars.append(body[position + 1])
          position += 1
        } else if RequiredText.metacharacters.contains(scalar) {
          return nil
        } else {
          current.unicodeScalars.append(scalar)
        }
        position += 1
      }
      guard !current.isEmpty else { return nil }
      alternatives.append(current)
      return alternatives
    }
  }
}
