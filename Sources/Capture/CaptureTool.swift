import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The `capture` command, shared by `coroner capture` and the small `coroner-capture`
/// binary that the capture kernel carries: its arguments, its help and its run. It
/// parses by hand because the capture kernel's binary must not carry an argument-parsing
/// library; the caller gives the writer of standard error and exits with the status.
public enum CaptureTool {
  public static let abstract =
    "Save a vmcore as a filtered, compressed kdump-compressed dump, the kernel log first."

  public static let usage = """
    USAGE: capture --to DIR [--from FILE] [--dump-level N] [--compress CODEC] [--threads N] [--resume]

    Writes DIR/dmesg.txt and DIR/dmesg.json (the kernel log), DIR/crash.json (the crash
    scene and the SHA-256 of every file), and DIR/dump.kdump, readable by crash,
    makedumpfile and drgn. When the target fills up, the dump is finished as a valid
    dump flagged incomplete; --resume continues it. Any vmcore coroner reads can be
    given with --from, to re-filter or re-compress it.

    OPTIONS:
      --from FILE        The vmcore to save (default: /proc/vmcore).
      --to DIR           The folder to write to (created if missing).
      --dump-level N     makedumpfile's dump level: the sum of the page classes left out
                         (1 zero, 2 cache without private data, 4 all cache, 8 user data,
                         16 free pages; default: 31).
      --compress CODEC   Page format: zstd, zlib, lzo, snappy or none (default: zstd).
                         zstd: read by crash and drgn, fastest (about 3x makedumpfile -c).
                         zlib: also read by makedumpfile, whose Debian build lacks zstd
                         (written by libdeflate when installed: 1.3-2x makedumpfile -c).
      --threads N        Compression threads (default: the CPUs online).
      --resume           Continue a dump an earlier run left incomplete in the same folder.
      -h, --help         Show this help.

    """

  /// A command line that is not one of `usage`'s.
  public struct UsageError: Error, Equatable, CustomStringConvertible {
    public var description: String
  }

  /// The parsed command line; nil `options` means help was asked for.
  public static func parse(_ arguments: [String], onlineCPUs: Int) throws -> CaptureSession.Options? {
    var from = "/proc/vmcore"
    var to: String?
    var level = 31
    var codec = PageCodec.zstd
    var threads = onlineCPUs
    var resume = false
    var index = 0
    func value(_ name: String) throws -> String {
      index += 1
      guard index < arguments.count else { throw UsageError(description: "\(name) needs a value") }
      return arguments[index]
    }
    while index < arguments.count {
      var word = arguments[index]
      var inline: String?
      if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
        inline = String(word[word.index(after: equals)...])
        word = String(word[..<equals])
      }
      let given = { (name: String) throws -> String in
        if let inline { return inline }
        return try value(name)
      }
      switch word {
      case "-h", "--help": return nil
      case "--from": from = try given(word)
      case "--to": to = try given(word)
      case "--dump-level":
        let text = try given(word)
        guard let number = Int(text), DumpLevel(level: number) != nil else {
          throw UsageError(description: "--dump-level must be 0 to 31, not '\(text)'")
        }
        level = number
      case "--compress":
        let text = try given(word)
        guard let named = PageCodec(rawValue: text) else {
          let names = PageCodec.allCases.map(\.rawValue).joined(separator: ", ")
          throw UsageError(description: "--compress must be one of \(names), not '\(text)'")
        }
        codec = named
      case "--threads":
        let text = try given(word)
        guard let number = Int(text), number >= 1 else {
          throw UsageError(description: "--threads must be at least 1, not '\(text)'")
        }
        threads = number
      case "--resume":
        guard inline == nil else { throw UsageError(description: "--resume takes no value") }
        resume = true
      default: throw UsageError(description: "unknown argument '\(arguments[index])'")
      }
      index += 1
    }
    guard let to else { throw UsageError(description: "missing --to DIR") }
    return CaptureSession.Options(
      source: from, directory: to, level: DumpLevel(level: level) ?? .all, codec: codec,
      threads: max(1, threads), resume: resume)
  }

  /// Runs the command line and returns the exit status (sysexits.h: 64 usage, 65 bad
  /// data, 66 no input, 73 cannot create, 74 I/O error). `write` takes standard error's
  /// text; `terminal` says whether a progress line may be redrawn on it.
  public static func run(
    _ arguments: [String], program: String, terminal: Bool, write: (String) -> Void, help: (String) -> Void
  ) -> Int32 {
    let options: CaptureSession.Options
    do {
      guard let parsed = try parse(arguments, onlineCPUs: sysconf(Int32(_SC_NPROCESSORS_ONLN))) else {
        help(abstract + "\n\n" + usage)
        return 0
      }
      options = parsed
    } catch {
      write("\(program): error: \(error)\n\(usage)")
      return 64
    }
    if mkdir(options.directory, 0o755) != 0 && errno != EEXIST {
      write("\(program): error: \(options.directory): cannot create: \(String(cString: strerror(errno)))\n")
      return 73
    }
    var progress = CaptureProgressLine()
    let report: CaptureSession.Report
    do {
      report = try CaptureSession(options: options).run { step in
        if terminal, let text = progress.redraw(step) { write(text) }
      }
    } catch {
      if terminal, let text = progress.clear() { write(text) }
      write("\(program): error: \(error)\n")
      return exitStatus(for: error)
    }
    if terminal, let text = progress.clear() { write(text) }
    for problem in report.problems {
      write("\(program): warning: \(options.source): \(problem)\n")
    }
    write(CaptureSummary.line(report, directory: options.directory) + "\n")
    return report.complete ? 0 : 74
  }

  static func exitStatus(for error: Error) -> Int32 {
    if let error = error as? CaptureError { return error.isOutputFailure ? 74 : 65 }
    if case DumpError.cannotOpen(_, let number) = error {
      return number == ENOENT || number == EACCES ? 66 : 74
    }
    return 65
  }
}
