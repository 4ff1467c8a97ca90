#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where distributions install kernel debug files (Debian and Ubuntu
/// `/usr/lib/debug/boot/vmlinux-REL` and `lib/modules/REL/kernel/**.ko`; Fedora
/// `lib/modules/REL/vmlinux` and `.ko.debug`; the build-id tree `.build-id/xx/rest.debug`).
public struct DebugFileLocator: Sendable {
  public var debugDirectory: String

  public init(debugDirectory: String = "/usr/lib/debug") {
    self.debugDirectory = debugDirectory
  }

  /// Candidate vmlinux paths, most specific first.
  public func vmlinuxCandidates(release: String?, buildID: String?) -> [String] {
    var paths: [String] = []
    if let buildID, buildID.count > 2 {
      let id = buildID.lowercased()
      paths.append("\(debugDirectory)/.build-id/\(id.prefix(2))/\(id.dropFirst(2)).debug")
    }
    if let release {
      paths += [
        "\(debugDirectory)/boot/vmlinux-\(release)", "\(debugDirectory)/lib/modules/\(release)/vmlinux",
        "\(debugDirectory)/lib/modules/\(release)/vmlinux.debug", "/boot/vmlinux-\(release)",
        "/lib/modules/\(release)/build/vmlinux",
      ]
    }
    return paths
  }

  /// The first candidate that exists and, when a build id is expected, carries it.
  public func findVmlinux(release: String?, buildID: String?) throws -> String? {
    for path in vmlinuxCandidates(release: release, buildID: buildID) where access(path, R_OK) == 0 {
      if let buildID {
        guard let found = try? ElfFile(path: path).buildID(), found == buildID.lowercased() else { continue }
      }
      return path
    }
    return nil
  }

  /// A module's file under `directory`: `name.ko`, `name.ko.debug` or a compressed
  /// `name.ko.xz`/`.zst`/`.gz`, `_` and `-` interchangeable as modprobe treats them.
  /// Searched recursively; an uncompressed file is preferred (it may carry DWARF where
  /// a compressed runtime module is stripped).
  public static func findModule(named name: String, under directory: String) -> String? {
    let wanted = String(name.map { $0 == "-" ? "_" : $0 })
    var stack = [directory]
    var visited = 0
    var compressed: String?
    while let current = stack.popLast(), visited < 100_000 {
      visited += 1
      guard let handle = opendir(current) else { continue }
      defer { closedir(handle) }
      while let entry = readdir(handle) {
        let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if entryName == "." || entryName == ".." { continue }
        let path = current + "/" + entryName
        if entry.pointee.d_type == UInt8(DT_DIR) {
          stack.append(path)
          continue
        }
        for suffix in [".ko", ".ko.debug", ".ko.xz", ".ko.zst", ".ko.gz"] where entryName.hasSuffix(suffix) {
          let base = String(entryName.dropLast(suffix.count).map { $0 == "-" ? "_" : $0 })
          guard base == wanted else { continue }
          if suffix == ".ko" || suffix == ".ko.debug" { return path }
          compressed = compressed ?? path
        }
      }
    }
    return compressed
  }
}
