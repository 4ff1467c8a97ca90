import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A suite's own gcc, unpacked beside its kernel rather than installed: trixie's gcc 14
/// builds the 6.12 modules on a bookworm host, sid's gcc 16 (today) sid's. Its programs (and trixie's Kbuild tools)
/// need a newer glibc than the host's, so each one that does is replaced by a small
/// script that starts the real program under trixie's own loader and libraries
/// (ld.so(8): `ld-linux-x86-64.so.2 --library-path DIR PROGRAM`).
struct SuiteToolchain {
  /// The folder the suite's packages were unpacked into.
  var root: URL

  /// The packages of gcc `version` and the libraries its programs load.
  static func packages(gccVersion version: Int) -> [String] {
    [
      "gcc-\(version)", "gcc-\(version)-x86-64-linux-gnu", "cpp-\(version)",
      "cpp-\(version)-x86-64-linux-gnu", "libgcc-\(version)-dev", "libc6", "libisl23", "libmpc3",
      "libmpfr6", "libgmp10", "libzstd1", "zlib1g", "libstdc++6", "libgcc-s1", "libelf1t64",
    ]
  }

  /// The gcc version a headers package depends on: trixie's headers name `gcc-14`, sid's
  /// `gcc-16-for-host` (the compiler Debian built the kernel with).
  static func gccVersion(dependedOnBy depends: [String]) -> Int? {
    for name in depends where name.hasPrefix("gcc-") {
      let rest = name.dropFirst("gcc-".count)
      let digits = rest.prefix { $0.isNumber }
      let suffix = rest.dropFirst(digits.count)
      if !digits.isEmpty, suffix.isEmpty || suffix == "-for-host" { return Int(digits) }
    }
    return nil
  }

  /// gcc 16 (sid's) writes `.base64` directives that the host's assembler (bookworm's
  /// binutils 2.40) rejects (`Error: unknown pseudo-op: '.base64'`, measured on the lab's
  /// module build); from gcc 15 on the suite's own assembler is unpacked too.
  static func needsSuiteAssembler(gccVersion: Int) -> Bool { gccVersion >= 15 }

  /// The package of the suite's `x86_64-linux-gnu-as` and `ld`.
  static let binutilsPackage = "binutils-x86-64-linux-gnu"

  var libraryDir: URL { root.appendingPathComponent("usr/lib/x86_64-linux-gnu") }
  var loader: URL { libraryDir.appendingPathComponent("ld-linux-x86-64.so.2") }

  /// Wraps the programs that need it and returns the compiler driver.
  func install(gccVersion version: Int) throws -> URL {
    let driver = root.appendingPathComponent("usr/bin/x86_64-linux-gnu-gcc-\(version)")
    guard FileManager.default.fileExists(atPath: driver.path),
      FileManager.default.fileExists(atPath: loader.path)
    else {
      throw LabError.missingInput(
        path: driver.path, expected: "gcc \(version) and its loader, unpacked by setup")
    }
    let folders = [
      root.appendingPathComponent("usr/bin"), root.appendingPathComponent("usr/libexec/gcc"),
      root.appendingPathComponent("usr/lib"),
    ]
    let host = Self.hostGlibcMinor()
    for folder in folders {
      for program in try Self.executables(under: folder) where try Self.glibcMinorNeeded(by: program) > host {
        try wrap(program)
      }
    }
    try linkAssembler(gccVersion: version)
    return driver
  }

  /// gcc runs `as` from its own program folder before the `PATH` (gcc(1), `-print-prog-name`),
  /// so a link there to the suite's assembler, when it was unpacked, makes gcc use it.
  func linkAssembler(gccVersion version: Int) throws {
    let assembler = root.appendingPathComponent("usr/bin/x86_64-linux-gnu-as")
    guard FileManager.default.fileExists(atPath: assembler.path) else { return }
    let link = root.appendingPathComponent("usr/libexec/gcc/x86_64-linux-gnu/\(version)/as")
    try? FileManager.default.removeItem(at: link)
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: assembler)
  }

  /// Moves `program` to `program.real` and puts a script in its place.
  func wrap(_ program: URL) throws {
    let real = program.appendingPathExtension("real")
    try FileManager.default.moveItem(at: program, to: real)
    let script = """
      #!/bin/sh
      exec '\(loader.path)' --library-path '\(libraryDir.path)' '\(real.path)' "$@"

      """
    try Data(script.utf8).write(to: program)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
  }

  /// Executable ELF files under `folder` (shared objects excluded: they are loaded, not run).
  static func executables(under folder: URL) throws -> [URL] {
    guard
      let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
    else { return [] }
    var found: [URL] = []
    for case let url as URL in walker {
      let name = url.lastPathComponent
      guard !name.contains(".so"), FileManager.default.isExecutableFile(atPath: url.path),
        (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
        let handle = try? FileHandle(forReadingFrom: url)
      else { continue }
      let magic = (try? handle.read(upToCount: 4)) ?? Data()
      try? handle.close()
      if magic == Data([0x7f, 0x45, 0x4c, 0x46]) { found.append(url) }
    }
    return found
  }

  /// The highest `GLIBC_2.N` symbol version the program needs (objdump -T), as N.
  static func glibcMinorNeeded(by program: URL) throws -> Int {
    let symbols = try Subprocess.launch(["objdump", "-T", program.path]).output
    var highest = 0
    var rest = Substring(symbols)
    while let range = rest.range(of: "GLIBC_2.") {
      let digits = rest[range.upperBound...].prefix { $0.isNumber }
      highest = max(highest, Int(digits) ?? 0)
      rest = rest[range.upperBound...]
    }
    return highest
  }

  /// The host glibc's minor version: confstr(3) `_CS_GNU_LIBC_VERSION` says "glibc 2.36".
  static func hostGlibcMinor() -> Int {
    var buffer = [CChar](repeating: 0, count: 64)
    guard confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0 else { return 0 }
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let dot = text.split(separator: " ").last?.split(separator: "."), dot.count > 1 else { return 0 }
    return Int(dot[1]) ?? 0
  }
}
