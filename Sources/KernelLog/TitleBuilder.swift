/// Fills a kind's title template: captures, the guilty frame (syscall prefixes
/// stripped), then normalization. Alternative titles carry the other spellings of
/// the frame and the kind's alternative templates.
struct TitleBuilder {
  let header: ReportHeader
  let frame: String?

  static let corruptedFrame = "corrupted"

  func build() -> (title: String, alternatives: [String]) {
    let kind = header.kind
    let needsFrame = kind.title.contains("{frame}") || kind.alternatives.contains { $0.contains("{frame}") }
    let names =
      needsFrame ? SyscallNames.variants(of: frame ?? TitleBuilder.corruptedFrame) : (short: "", all: [""])
    let title = fill(kind.title, frame: names.short)
    var alternatives = Set<String>()
    for name in names.all {
      alternatives.insert(fill(kind.title, frame: name))
      for template in kind.alternatives { alternatives.insert(fill(template, frame: name)) }
    }
    alternatives.remove(title)
    return (title, alternatives.sorted())
  }

  private func fill(_ template: String, frame: String) -> String {
    var text = template.replacingOccurrences(of: "{frame}", with: frame)
    let isPanic = template.hasPrefix("kernel panic: {1}")
    for (index, capture) in header.captures.enumerated() {
      let value = isPanic && index == 0 ? PanicMessages.stablePart(of: capture) : capture
      text = text.replacingOccurrences(of: "{\(index + 1)}", with: value)
    }
    if text.contains("{rw}") {
      text = text.replacingOccurrences(of: "{rw}", with: header.window.contains("Write") ? "Write" : "Read")
    }
    return TitleNormalizer.normalize(text)
  }
}
