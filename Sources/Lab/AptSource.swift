import Foundation

/// One source of packages in apt's configuration, read from either format of
/// sources.list(5): the one-line style (`deb [options] URI SUITE [COMPONENT...]`) of
/// `/etc/apt/sources.list` and `sources.list.d/*.list`, or a deb822 paragraph of
/// `sources.list.d/*.sources`.
public struct AptSource: Equatable, Sendable {
  /// `deb` and/or `deb-src`.
  public var types: [String]
  public var uris: [String]
  public var suites: [String]
  public var components: [String]
  /// The keyring apt checks the source's Release file with (`signed-by`), when it names a
  /// file or fingerprints rather than embedding a key.
  public var signedBy: String?
  /// False for a deb822 paragraph with `Enabled: no`.
  public var enabled: Bool
  /// Where it was read: the file and its line (one-line style) or first line of the paragraph.
  public var file: String
  public var line: Int

  public init(
    types: [String], uris: [String], suites: [String], components: [String], signedBy: String? = nil,
    enabled: Bool = true, file: String, line: Int
  ) {
    self.types = types
    self.uris = uris
    self.suites = suites
    self.components = components
    self.signedBy = signedBy
    self.enabled = enabled
    self.file = file
    self.line = line
  }
}

/// Parsers of the two formats of sources.list(5).
public enum AptSourcesFormat {
  /// The one-line style. apt drops everything from `#` to the end of a line, and reads
  /// options between `[` and `]` after the type as space-separated `key=value` pairs.
  public static func parseOneLine(_ text: String, file: String) throws -> [AptSource] {
    var sources: [AptSource] = []
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.prefix { $0 != "#" }
      var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      guard !words.isEmpty else { continue }
      let type = words.removeFirst()
      guard type == "deb" || type == "deb-src" else {
        throw LabError.aptSources(path: file, line: index + 1, reason: "unknown type '\(type)'")
      }
      var options: [String: String] = [:]
      if let first = words.first, first.hasPrefix("[") {
        let joined = words.joined(separator: " ")
        guard let close = joined.firstIndex(of: "]") else {
          throw LabError.aptSources(path: file, line: index + 1, reason: "'[' of the options is never closed")
        }
        for pair in joined[joined.index(after: joined.startIndex)..<close].split(separator: " ") {
          let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
          if parts.count == 2 { options[parts[0].lowercased()] = parts[1] }
        }
        words = joined[joined.index(after: close)...].split(separator: " ").map(String.init)
      }
      guard words.count >= 2 else {
        throw LabError.aptSources(
          path: file, line: index + 1, reason: "expected a URI and a suite after '\(type)'")
      }
      sources.append(
        AptSource(
          types: [type], uris: [words[0]], suites: [words[1]], components: Array(words.dropFirst(2)),
          signedBy: options["signed-by"], file: file, line: index + 1))
    }
    return sources
  }

  /// The deb822 style: paragraphs separated by blank lines, `Field: value` lines, values
  /// continued on lines that start with white space, `#` lines ignored. Field names are
  /// case-insensitive; `Types`, `URIs` and `Suites` are required.
  public static func parseDeb822(_ text: String, file: String) throws -> [AptSource] {
    var sources: [AptSource] = []
    var fields: [String: String] = [:]
    var lastField: String?
    var start = 0

    func finish() throws {
      defer {
        fields = [:]
        lastField = nil
      }
      guard !fields.isEmpty else { return }
      func words(_ name: String) -> [String] {
        (fields[name] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
      }
      for required in ["types", "uris", "suites"] where words(required).isEmpty {
        throw LabError.aptSources(path: file, line: start, reason: "the paragraph has no \(required) field")
      }
      let signedBy = fields["signed-by"].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      sources.append(
        AptSource(
          types: words("types"), uris: words("uris"), suites: words("suites"),
          components: words("components"),
          signedBy: signedBy.flatMap { $0.contains("\n") ? nil : $0 },
          enabled: (fields["enabled"] ?? "yes").trimmingCharacters(in: .whitespaces).lowercased() != "no",
          file: file, line: start))
    }

    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if raw.hasPrefix("#") { continue }
      if raw.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
        try finish()
        continue
      }
      if raw.first == " " || raw.first == "\t" {
        guard let name = lastField else {
          throw LabError.aptSources(
            path: file, line: index + 1, reason: "a continuation line outside a field")
        }
        fields[name, default: ""] += "\n" + raw.trimmingCharacters(in: .whitespaces)
        continue
      }
      guard let colon = raw.firstIndex(of: ":") else {
        throw LabError.aptSources(path: file, line: index + 1, reason: "expected 'Field: value'")
      }
      if fields.isEmpty { start = index + 1 }
      let name = raw[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
      fields[name] = raw[raw.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      lastField = name
    }
    try finish()
    return sources
  }
}

extension AptSource {
  /// Every source apt reads under `root` (`/` on the host): `etc/apt/sources.list`, then
  /// the files of `etc/apt/sources.list.d` in name order, `*.list` in the one-line style and
  /// `*.sources` in deb822. apt ignores other names there (`.disabled`, `.save`), and so
  /// does this.
  public static func configured(root: URL = URL(fileURLWithPath: "/")) throws -> [AptSource] {
    let etc = root.appendingPathComponent("etc/apt")
    var sources: [AptSource] = []
    let main = etc.appendingPathComponent("sources.list")
    if let text = try? String(contentsOf: main, encoding: .utf8) {
      sources += try AptSourcesFormat.parseOneLine(text, file: main.path)
    }
    let parts = etc.appendingPathComponent("sources.list.d")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: parts.path)) ?? []
    for name in names.sorted() where Self.isPartName(name) {
      let url = parts.appendingPathComponent(name)
      guard let text = try? String(contentsOf: url, encoding: .utf8) else {
        throw LabError.io(path: url.path, reason: "cannot read the apt sources file")
      }
      if name.hasSuffix(".list") {
        sources += try AptSourcesFormat.parseOneLine(text, file: url.path)
      } else {
        sources += try AptSourcesFormat.parseDeb822(text, file: url.path)
      }
    }
    return sources
  }

  /// apt's rule for files in a parts folder: letters, digits, `_`, `-` and `.` only, and
  /// the extension of the format.
  static func isPartName(_ name: String) -> Bool {
    guard name.hasSuffix(".list") || name.hasSuffix(".sources") else { return false }
    return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
  }
}
