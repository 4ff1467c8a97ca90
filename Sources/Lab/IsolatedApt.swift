import Foundation

/// An apt configuration of its own for one Debian suite: its own sources list, package
/// lists and cache under the lab's cache folder. The system's apt state is never written
/// and its sources are read only for the archive's URI (`DebianArchive`) (apt.conf(5):
/// Dir::Etc::sourcelist, Dir::State::Lists, Dir::Cache).
struct IsolatedApt {
  var kernel: DebianKernel
  /// The folder that holds this suite's sources list, lists and cache.
  var root: URL

  var sourcesList: URL { root.appendingPathComponent("sources.list") }
  var listsDir: URL { root.appendingPathComponent("lists") }
  var cacheDir: URL { root.appendingPathComponent("cache") }

  /// The `-o` options that point apt at this configuration.
  var options: [String] {
    [
      "-o", "Dir::Etc::sourcelist=\(sourcesList.path)",
      "-o", "Dir::Etc::sourceparts=-",
      "-o", "Dir::State::Lists=\(listsDir.path)",
      "-o", "Dir::Cache=\(cacheDir.path)",
      // The cache lives in root's home, which apt's unprivileged _apt user cannot enter.
      "-o", "APT::Sandbox::User=root",
      "-q",
    ]
  }

  /// Writes the configuration (the suite and its security suite, where it has one, from
  /// `archive`) and
  /// downloads the suite's package lists.
  func update(from archive: DebianArchive) throws {
    let fm = FileManager.default
    for dir in [
      listsDir.appendingPathComponent("partial"), cacheDir.appendingPathComponent("archives/partial"),
    ] {
      try fm.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    try Data(archive.sourcesListText(suite: kernel.suite, security: kernel.hasSecuritySuite).utf8).write(
      to: sourcesList)
    try Subprocess.run(["apt-get"] + options + ["update"])
  }

  /// The packages `package` depends on (the candidate version's direct Depends).
  func depends(_ package: String) throws -> [String] {
    let output = try Subprocess.run(["apt-cache"] + options + ["depends", package])
    return Self.parseDepends(output)
  }

  /// The version apt would download for `package`.
  func candidateVersion(_ package: String) throws -> String {
    let output = try Subprocess.run(["apt-cache"] + options + ["policy", package])
    for line in output.split(separator: "\n") {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("Candidate:") {
        return trimmed.dropFirst("Candidate:".count).trimmingCharacters(in: .whitespaces)
      }
    }
    throw LabError.unresolvedPackage(suite: kernel.suite, package: package)
  }

  /// Downloads the `.deb` files of `packages` into `folder`.
  func download(_ packages: [String], into folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Subprocess.run(["apt-get"] + options + ["download"] + packages, in: folder)
  }

  /// Parses `apt-cache depends` output: the names after `Depends:` (alternatives included).
  static func parseDepends(_ output: String) -> [String] {
    output.split(separator: "\n").compactMap { line in
      let trimmed = line.trimmingCharacters(in: .whitespaces).drop { $0 == "|" }
      guard trimmed.hasPrefix("Depends:") else { return nil }
      let name = trimmed.dropFirst("Depends:".count).trimmingCharacters(in: .whitespaces)
      return name.hasPrefix("<") ? nil : name
    }
  }
}
