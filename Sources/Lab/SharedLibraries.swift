import Foundation

/// The shared libraries a dynamically linked host program needs, as `ldd` lists them, so
/// that it runs in the busybox guest (kexec-tools' kexec pulls libz, liblzma and Xen's
/// libraries, plus the loader).
enum SharedLibraries {
  static func of(_ program: URL) throws -> [String] {
    parseLdd(try Subprocess.run(["ldd", program.path]))
  }

  /// The libraries coroner opens at run time (dlopen(3)) for its page codecs: zstd, LZO
  /// and snappy pages (Codecs' Zstd, Lzo, Snappy). ldd does not list them, so a guest
  /// gets them from here; each is found where the host's loader finds it.
  static let pageCodecs = ["libzstd.so.1", "liblzo2.so.2", "libsnappy.so.1"]

  /// The paths of those of `sonames` the host's loader cache knows (`ldconfig -p`).
  static func resolve(_ sonames: [String]) -> [String] {
    guard let cache = try? Subprocess.run(["ldconfig", "-p"]) else { return [] }
    return parseLoaderCache(cache, sonames: sonames)
  }

  /// The loader cache's tag for this machine's libraries (`(libc6,x86-64)`), which
  /// tells them from a multilib host's 32-bit ones.
  static var abiTag: String? {
    #if arch(x86_64)
      return "x86-64"
    #elseif arch(arm64)
      return "AArch64"
    #else
      return nil
    #endif
  }

  /// From `ldconfig -p` lines like `\tlibzstd.so.1 (libc6,x86-64) => /lib/.../libzstd.so.1`,
  /// the first path of each soname asked for whose tag names `abi`.
  static func parseLoaderCache(_ output: String, sonames: [String], abi: String? = abiTag) -> [String] {
    var found: [String: String] = [:]
    for line in output.split(separator: "\n") {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      guard let name = words.first, sonames.contains(name), found[name] == nil,
        abi.map({ abi in words.count > 1 && words[1].contains(abi) }) ?? true,
        let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/")
      else { continue }
      found[name] = words[arrow + 1]
    }
    return sonames.compactMap { found[$0] }
  }

  /// Absolute paths from lines like `libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)`
  /// and `/lib64/ld-linux-x86-64.so.2 (0x...)`; `linux-vdso.so.1` has no file.
  static func parseLdd(_ output: String) -> [String] {
    output.split(separator: "\n").compactMap { line in
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/") {
        return words[arrow + 1]
      }
      if let first = words.first, first.hasPrefix("/") { return first }
      return nil
    }
  }
}
