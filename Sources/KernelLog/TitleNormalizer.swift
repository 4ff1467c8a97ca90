/// Makes a title stable across runs and machines: whatever changes between two
/// occurrences of one bug (addresses, line numbers, PIDs, CPU numbers, offsets)
/// is replaced by a placeholder, as syzkaller's titles do.
enum TitleNormalizer {
  nonisolated(unsafe) private static let replacements: [(Regex<AnyRegexOutput>, String)] = [
    (#"syz-executor[0-9.]*(/[0-9]+)?"#, "syz-executor"),
    (#"\+0x[0-9a-fA-F]+(/0x[0-9a-fA-F]+)?"#, ""),
    (#"([A-Za-z0-9_\-./]+\.(?:c|h|rs|S|cc)):[0-9]+(?::[0-9]+)?"#, "$1:LINE"),
    (#"\b(?:0x)?[0-9a-fA-F]{6,}\b"#, "ADDR"),
    (#"\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b"#, "IP"),
    (#"[0-9]{7,}"#, "NUM"),
    (#"CPU#[0-9]+"#, "CPU"),
    (#"\b[0-9]+\b"#, "NUM"),
  ].compactMap { pattern, replacement in
    (try? Regex(pattern)).map { ($0.wordBoundaryKind(.simple), replacement) }
  }

  static func normalize(_ title: String) -> String {
    // Every rule needs a digit (or `syz-executor`, which carries digits too).
    guard title.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return sanitize(title) }
    var result = title
    for (regex, replacement) in replacements {
      result = result.replacing(regex) { match in
        guard replacement.contains("$1") else { return replacement }
        let group = match.output.count > 1 ? match.output[1].substring.map(String.init) ?? "" : ""
        return replacement.replacingOccurrences(of: "$1", with: group)
      }
    }
    return sanitize(result)
  }

  /// ASCII printable only, single spaces, at most 120 characters.
  static func sanitize(_ title: String) -> String {
    var output = ""
    var lastWasSpace = false
    for scalar in title.unicodeScalars {
      var value = scalar.value
      if value == 0x09 { value = 0x20 }
      guard value >= 0x20, value < 0x7F else { continue }
      if value == 0x20 {
        if lastWasSpace { continue }
        lastWasSpace = true
      } else {
        lastWasSpace = false
      }
      output.unicodeScalars.append(Unicode.Scalar(UInt8(value)))
    }
    if output.count > 120 { output = String(output.prefix(120)) }
    return output.trimmingSpaces()
  }
}

extension String {
  func replacingOccurrences(of target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    return self.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }

  func trimmingSpaces() -> String {
    var view = Substring(self)
    while view.first == " " { view = view.dropFirst() }
    while view.last == " " { view = view.dropLast() }
    return String(view)
  }
}
