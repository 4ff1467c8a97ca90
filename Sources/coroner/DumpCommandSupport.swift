import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Terminal side of the vmcore commands: errors to stderr with sysexits codes.
enum DumpCommandSupport {
  /// Opens a vmcore, or prints why not and exits 66 (missing), 74 (I/O) or 65 (bad data).
  static func open(_ paths: [String]) -> Vmcore {
    do {
      return try Vmcore.open(paths: paths)
    } catch {
      fail(error)
    }
  }

  static func fail(_ error: Error) -> Never {
    writeError("coroner: error: \(error)\n")
    exit(exitCode(for: error))
  }

  /// As `fail`, naming the dump first when the error does not (an error about what
  /// the dump's memory holds names an address, not the file).
  static func fail(_ error: Error, dump paths: [String]) -> Never {
    let text = "\(error)"
    let named = paths.contains { text.hasPrefix($0 + ":") }
    writeError("coroner: error: \(named ? "" : paths.joined(separator: " ") + ": ")\(text)\n")
    exit(exitCode(for: error))
  }

  static func exitCode(for error: Error) -> Int32 {
    if case DumpError.cannotOpen(_, let number) = error {
      return number == ENOENT || number == EACCES ? 66 : 74
    }
    return 65
  }

  static func writeError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = fwrite(&bytes, 1, bytes.count, stderr)
  }

  static func write(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in
      _ = fwrite(buffer.baseAddress, 1, buffer.count, stdout)
    }
  }

  /// A JSON string literal (RFC 8259 escapes).
  static func jsonString(_ text: String) -> String { DmesgFormatter.jsonString(text) }

  static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
