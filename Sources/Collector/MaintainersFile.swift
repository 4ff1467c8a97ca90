import Foundation

/// The kernel's MAINTAINERS file: which subsystem a source file belongs to and who
/// looks after it, as syzbot routes a crash from its guilty file. The entry letters
/// and their patterns follow the file's own header ("Descriptions of section
/// entries"): `F:` a file or pattern the section covers, `X:` one it does not (tested
/// first); a pattern ending in `/` covers everything below that folder, `*` and `?`
/// match within one path component, and any other pattern covers files at its own
/// depth only (`drivers/net/*`: the files in drivers/net, not below).
public struct MaintainersFile: Sendable {
  /// One section: a subsystem and the people and lists of its report route.
  public struct Subsystem: Sendable, Equatable, Codable {
    public var name: String
    /// `M:` lines: "Name <address>".
    public var maintainers: [String]
    /// `L:` lines: mailing lists.
    public var lists: [String]
    /// `S:` Supported, Maintained, Odd Fixes, Orphan, Obsolete.
    public var status: String?
  }

  struct Section: Sendable {
    var subsystem: Subsystem
    var files: [String] = []
    var excluded: [String] = []
  }

  let sections: [Section]

  /// Sections are the blocks of `X:` lines under a title line; the text before the first
  /// section (the header, whose lines are indented or prose) is skipped.
  public init(text: String) {
    var sections: [Section] = []
    var current: Section?
    var title: String?
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty {
        if let section = current { sections.append(section) }
        current = nil
        title = nil
        continue
      }
      // Entries and titles start in column 0; the header's indented examples are prose.
      guard raw.first?.isWhitespace == false else { continue }
      let bytes = Array(line.utf8)
      let isEntry = bytes.count >= 2 && bytes[1] == UInt8(ascii: ":") && (65...90).contains(bytes[0])
      guard isEntry else {
        // A title line: the section's entries follow it directly.
        if current == nil { title = line }
        continue
      }
      guard let name = title ?? current?.subsystem.name else { continue }
      if current == nil {
        current = Section(subsystem: Subsystem(name: name, maintainers: [], lists: [], status: nil))
      }
      let value = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
      switch bytes[0] {
      case UInt8(ascii: "M"): current?.subsystem.maintainers.append(value)
      case UInt8(ascii: "L"): current?.subsystem.lists.append(value)
      case UInt8(ascii: "S"): current?.subsystem.status = value
      case UInt8(ascii: "F"): current?.files.append(value)
      case UInt8(ascii: "X"): current?.excluded.append(value)
      default: break
      }
    }
    if let section = current { sections.append(section) }
    self.sections = sections.filter { !$0.files.isEmpty }
  }

  /// The subsystems covering `file` (a path in the kernel tree, as the guilty file is
  /// named), the most specific first: ordered by the depth of the pattern that matched,
  /// as get_maintainer.pl orders its sections. The catch-all `*/` section ("THE REST")
  /// is left out: it names no subsystem.
  public func subsystems(for file: String) -> [Subsystem] {
    let path = file.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    var matches: [(depth: Int, subsystem: Subsystem)] = []
    for section in sections {
      if section.excluded.contains(where: { Self.matches(path, pattern: $0) }) { continue }
      let depth = section.files.filter { Self.matches(path, pattern: $0) }.map(Self.depth).max()
      guard let depth, depth > 0 else { continue }
      matches.append((depth, section.subsystem))
    }
    return matches.enumerated().sorted {
      $0.element.depth != $1.element.depth ? $0.element.depth > $1.element.depth : $0.offset < $1.offset
    }.map(\.element.subsystem)
  }

  /// The pattern's components without a wildcard: how specific it is (`*/` none).
  static func depth(_ pattern: String) -> Int {
    pattern.split(separator: "/").filter { !$0.contains("*") && !$0.contains("?") }.count
  }

  static func matches(_ path: String, pattern: String) -> Bool {
    let pathParts = path.split(separator: "/")
    let patternParts = pattern.split(separator: "/")
    if pattern.hasSuffix("/") {
      // A folder: everything below it.
      guard pathParts.count > patternParts.count else { return false }
      return zip(pathParts, patternParts).allSatisfy { glob(Array($0.0.utf8), Array($0.1.utf8)) }
    }
    guard pathParts.count == patternParts.count, !patternParts.isEmpty else { return false }
    return zip(pathParts, patternParts).allSatisfy { glob(Array($0.0.utf8), Array($0.1.utf8)) }
  }

  /// Shell-style match of one path component: `*` any run, `?` one byte.
  static func glob(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
    var t = 0
    var p = 0
    var star: Int?
    var resume = 0
    while t < text.count {
      if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
        t += 1
        p += 1
      } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
        star = p
        resume = t
        p += 1
      } else if let star {
        p = star + 1
        resume += 1
        t = resume
      } else {
        return false
      }
    }
    while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
    return p == pattern.count
  }
}
