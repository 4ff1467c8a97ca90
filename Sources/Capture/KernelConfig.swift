import Codecs

/// The running kernel's build configuration, as `make` writes it (`CONFIG_X=y`,
/// `# CONFIG_X is not set`), read from /boot/config-RELEASE or /proc/config.gz
/// (CONFIG_IKCONFIG_PROC, kernel/configs.c).
public struct KernelConfig: Sendable, Equatable {
  /// Option name without the `CONFIG_` prefix -> its value (`y`, `m`, a number, a string).
  public var options: [String: String]

  public init(parsing text: String) {
    var options: [String: String] = [:]
    for line in text.split(separator: "\n") where line.hasPrefix("CONFIG_") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      let name = line[line.index(line.startIndex, offsetBy: 7)..<equals]
      options[String(name)] = String(line[line.index(after: equals)...])
    }
    self.options = options
  }

  /// Whether `name` (without `CONFIG_`) is built in or a module.
  public func isEnabled(_ name: String) -> Bool {
    options[name] == "y" || options[name] == "m"
  }

  /// The configuration of the running kernel under `root` and the path it came from, or
  /// nil when neither file exists (distributions without /boot/config, kernels without
  /// IKCONFIG_PROC).
  public static func load(from root: SystemRoot, release: String?) -> (config: KernelConfig, path: String)? {
    var candidates: [String] = []
    if let release {
      candidates += ["/boot/config-\(release)", "/lib/modules/\(release)/config"]
    }
    for path in candidates {
      if let text = root.text(path) { return (KernelConfig(parsing: text), path) }
    }
    if let packed = root.bytes("/proc/config.gz"),
      let text = try? Zlib.inflate(packed, format: .zlibOrGzip)
    {
      return (KernelConfig(parsing: String(decoding: text, as: UTF8.self)), "/proc/config.gz")
    }
    return nil
  }
}
