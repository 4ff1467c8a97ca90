import Foundation

/// The shared libraries a dynamically linked host program needs, as `ldd` lists them, so
/// that it runs in the busybox guest (kexec-tools' kexec pulls libz, liblzma and Xen's
/// libraries, plus the loader).
enum SharedLibraries {
  static func of(_ program: URL) throws -> [String] {
    parseLdd(try Subprocess.run(["ldd", program.path]))
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

  /// The host path of each soname the dynamic loader's cache (`ldconfig -p`) knows, for
  /// the libraries a program opens with dlopen(3), which ldd cannot see.
  static func resolve(_ sonames: [String]) -> [String] {
    guard let output = try? Subprocess.run(["ldconfig", "-p"]) else { return [] }
    return sonames.compactMap { parseLdconfig(output, soname: $0) }
  }

  /// The path of `soname` in lines like `\tlibdeflate.so.0 (libc6,x86-64) => /lib/.../libdeflate.so.0`.
  static func parseLdconfig(_ output: String, soname: String) -> String? {
    for line in output.split(separator: "\n") {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      guard words.first == soname, line.contains("x86-64"), let arrow = words.firstIndex(of: "=>"),
        arrow + 1 < words.count, words[arrow + 1].hasPrefix("/")
      else { continue }
      return words[arrow + 1]
    }
    return nil
  }
}
