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
}
