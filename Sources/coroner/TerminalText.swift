/// Text read from files (a captured tree, a console log) shown on a terminal: control
/// characters would move the cursor, recolour or retitle it, so each one is shown as
/// an escape (`\e`, `\x07`, `\u{9b}`) instead. Newlines and tabs are escaped too where
/// the text is one value of a line-oriented report.
enum TerminalText {
  static func escaped(_ text: String, keepNewlines: Bool = false) -> String {
    guard text.unicodeScalars.contains(where: { isControl($0, keepNewlines: keepNewlines) }) else {
      return text
    }
    var out = ""
    for scalar in text.unicodeScalars {
      guard isControl(scalar, keepNewlines: keepNewlines) else {
        out.unicodeScalars.append(scalar)
        continue
      }
      switch scalar.value {
      case 0x1B: out += "\\e"
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0x09: out += "\\t"
      case 0..<0x80: out += "\\x" + hex2(scalar.value)
      default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
      }
    }
    return out
  }

  /// C0 controls, DEL and C1 controls (U+0080–U+009F, which some terminals obey);
  /// with `keepNewlines`, line feeds and tabs pass.
  static func isControl(_ scalar: Unicode.Scalar, keepNewlines: Bool) -> Bool {
    let value = scalar.value
    if keepNewlines && (value == 0x0A || value == 0x09) { return false }
    return value < 0x20 || value == 0x7F || (0x80...0x9F).contains(value)
  }

  static func hex2(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return digits.count == 1 ? "0" + digits : digits
  }

  /// JSON text with DEL and C1 controls (which only string values can hold) written as
  /// `\u` escapes (RFC 8259 §7), so a JSON document is safe on a terminal too.
  static func jsonEscapingC1(_ json: String) -> String {
    guard json.unicodeScalars.contains(where: { (0x7F...0x9F).contains($0.value) }) else { return json }
    var out = ""
    for scalar in json.unicodeScalars {
      if (0x7F...0x9F).contains(scalar.value) {
        out += "\\u00" + hex2(scalar.value)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
