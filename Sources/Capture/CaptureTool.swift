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
    USAGE: capture --to DIR [--from FILE] [--dump-level N] [--compress CODEC] [--threads N]
                   [--cyclic-buffer KIB] [--non-mmap] [--checksum] [--resume]
           capture --to - --log-to DIR [--from FILE] [--dump-level N] [--compress CODEC] [--threads N]
                   [--cyclic-buffer KIB] [--non-mmap]

    Writes DIR/dmesg.txt and DIR/dmesg.json (the kernel log), DIR/crash.json (the crash
    scene, each file's size and the logs' SHA-256), and DIR/dump.kdump, readable by crash,
    makedumpfile and drgn. When the target fills up, the dump is finished as a valid
    dump flagged incomplete; --resume continues it. Any vmcore coroner reads can be
    given with --from, to re-filter or re-compress it.

    OPTIONS:
      --from FILE        The vmcore to save (default: /proc/vmcore).
      --to DIR           The folder to write to, created with its parents when missing.
                         A folder holding an earlier capture is refused (exit 73)
                         unless --resume is given.
      --to -             The dump to standard output as makedumpfile's flattened stream
                         (makedumpfile -F), to pipe into ssh or nc; `makedumpfile -R` or
                         coroner reads it back. The log and crash.json go first to
                         --log-to's folder.
      --log-to DIR       With --to -: the folder for the log and crash.json.
      --dump-level N     makedumpfile's dump level: the sum of the page classes left out
                         (1 zero, 2 cache without private data, 4 all cache, 8 user data,
                         16 free pages; default: 31).
      --compress CODEC   Page format: zstd, zlib, lzo, snappy or none (default: zstd).
                         zstd: read by crash and drgn, fastest (3.1-3.9x makedumpfile -c
                         at -d 31 and 3.9-4.8x at -d 1 on the lab's dumps, one thread, a
                         quiet host; a slowed one gave 2.7-3.9x at -d 31).
                         zlib: also read by makedumpfile, whose Debian build lacks zstd
                         (written by coroner's own deflate for pages: 2.6-3.4x and
                         3.4-4.2x).
                         A codec whose library does not load falls back to zlib, then
                         none; crash.json says so.
      --threads N        Compression threads, 1 to 16 (default: the CPUs online, at
                         most 16).
      --cyclic-buffer KIB
                         The page bitmaps are made one cycle of memory at a time, as
                         makedumpfile's cyclic mode does: each of the two holds at most
                         KIB KiB (\(minimumCyclicKiB) to \(maximumCyclicKiB); default: \(PageCycles.defaultBufferBytes >> 10), so that
                         one cycle covers 64 GiB of 4 KiB pages). The dump is the same
                         whatever the size; a larger one saves a pass over the kernel's
                         page descriptors on machines with more RAM than one cycle covers.
      --non-mmap         Read /proc/vmcore with read(2), as makedumpfile --non-mmap,
                         rather than through mapped windows of 4 MiB: read(2) maps the old
                         kernel's memory one page at a time. Other files are always read
                         with read(2).
      --checksum         Also the dump's SHA-256 in crash.json: the whole dump read again
                         once written, the machine still down (3-9% more time from the
                         page cache, a read from disk where the dump outgrows it).
      --resume           Continue a dump an earlier run left incomplete in the same folder.
      -h, --help         Show this help.

    """

  /// The most compression threads: each holds two 512 KiB chunk buffers (128 pages
  /// read, 128 compressed, `KdumpCompressedWriter.chunkPages`), and a capture kernel has
  /// some 100 MiB to spare.
  public static let maxThreads = 16

  /// The bounds of `--cyclic-buffer`, in KiB per bitmap: 1 KiB (8192 frames a cycle) to
  /// 1 GiB (one cycle for 32 TiB of 4 KiB pages).
  public static let minimumCyclicKiB = PageCycles.minimumBufferBytes >> 10
  public static let maximumCyclicKiB = 1 << 20

  /// The files a capture writes into its folder: one that holds any of them holds an
  /// earlier capture, which a new one must not replace.
  public static let captureFiles = ["crash.json", CaptureSession.dumpName, "dmesg.txt", "dmesg.json"]

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
    var logTo: String?
    var cyclicBytes = PageCycles.defaultBufferBytes
    var checksum = false
    var windows = true
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
      case "--log-to": logTo = try given(word)
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
        guard let number = Int(text), (1...maxThreads).contains(number) else {
          throw UsageError(description: "--threads must be 1 to \(maxThreads), not '\(text)'")
        }
        threads = number
      case "--cyclic-buffer":
        let text = try given(word)
        guard let number = Int(text), (minimumCyclicKiB...maximumCyclicKiB).contains(number) else {
          throw UsageError(
            description:
              "--cyclic-buffer must be \(minimumCyclicKiB) to \(maximumCyclicKiB) KiB, not '\(text)'")
        }
        cyclicBytes = number << 10
      case "--resume":
        guard inline == nil else { throw UsageError(description: "--resume takes no value") }
        resume = true
      case "--non-mmap":
        guard inline == nil else { throw UsageError(description: "--non-mmap takes no value") }
        windows = false
      case "--checksum":
        guard inline == nil else { throw UsageError(description: "--checksum takes no value") }
        checksum = true
      default: throw UsageError(description: "unknown argument '\(arguments[index])'")
      }
      index += 1
    }
    guard let to else { throw UsageError(description: "missing --to DIR") }
    let stream = to == "-"
    if stream && logTo == nil {
      throw UsageError(description: "--to - needs --log-to DIR, the folder for the log and crash.json")
    }
    if !stream && logTo != nil { throw UsageError(description: "--log-to goes with --to - only") }
    if stream && resume { throw UsageError(description: "--resume cannot continue a stream (--to -)") }
    var options = CaptureSession.Options(
      source: from, directory: logTo ?? to, level: DumpLevel(level: level) ?? .all, codec: codec,
      threads: min(maxThreads, max(1, threads)), resume: resume)
    options.standardOutput = stream
    options.cyclicBufferBytes = cyclicBytes
    options.checksumsDump = checksum
    options.mapsSource = windows
    return options
  }

  /// Runs the command line and returns the exit status (sysexits.h: 64 usage, 65 bad
  /// data, 66 no input, 73 cannot create, 74 I/O error). `write` takes standard error's
  /// text; `terminal` says whether a progress line may be redrawn on it; `--to -`
  /// writes the dump to `standardOutput`.
  public static func run(
    _ arguments: [String], program: String, terminal: Bool, write: (String) -> Void, help: (String) -> Void,
    standardOutput: Int32 = 1
  ) -> Int32 {
    var options: CaptureSession.Options
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
    if let refusal = prepareFolder(options) {
      write("\(program): error: \(refusal)\n")
      return 73
    }
    var stream: FlattenedDumpOutput?
    if options.standardOutput {
      // A dump is no text for a terminal (makedumpfile -F refuses one too).
      guard isatty(standardOutput) == 0 else {
        write("\(program): error: --to -: standard output is a terminal; pipe it into a file, ssh or nc\n")
        return 64
      }
      do {
        stream = try FlattenedDumpOutput(descriptor: standardOutput, name: "standard output")
      } catch {
        write("\(program): error: \(error)\n")
        return exitStatus(for: error)
      }
      options.output = stream
    }
    var progress = CaptureProgressLine()
    var report: CaptureSession.Report
    do {
      report = try CaptureSession(options: options).run { step in
        if terminal, let text = progress.redraw(step) { write(text) }
      }
      // Without its end record a reader knows the stream was cut short.
      if let stream, report.error == nil {
        do { try stream.finish() } catch let failure as CaptureError {
          report.complete = false
          report.error = failure
        }
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
    write(CaptureSummary.line(report, directory: options.directory, streamed: options.standardOutput) + "\n")
    return exitStatus(for: report)
  }

  /// 0 for a complete dump; 74 when the target failed (full disk, I/O error); 65
  /// when the source lacked pages it promised (a truncated or damaged vmcore).
  public static func exitStatus(for report: CaptureSession.Report) -> Int32 {
    if report.complete { return 0 }
    if report.error != nil { return 74 }
    return report.pagesUnreadable > 0 ? 65 : 74
  }

  /// Makes `--to`'s folder (and its parents), or says why it cannot be the target:
  /// it cannot be created, is not a folder, or holds an earlier capture (without
  /// `--resume`). Every such refusal is exit 73 (EX_CANTCREAT).
  static func prepareFolder(_ options: CaptureSession.Options) -> String? {
    let folder = options.directory
    do {
      try SystemRoot.makeDirectories(folder)
    } catch {
      return "\(folder): cannot create \(error.path): \(String(cString: strerror(error.errno)))"
    }
    var status = stat()
    guard stat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
      return "\(folder): not a folder"
    }
    if !options.resume {
      let earlier = captureFiles.filter { access(folder + "/" + $0, F_OK) == 0 }
      if !earlier.isEmpty {
        return
          "\(folder): holds an earlier capture (\(earlier.joined(separator: ", "))): give another folder, or --resume to continue it"
      }
    }
    return nil
  }

  /// sysexits for a capture that could not run: 73 when the output cannot be created
  /// (a read-only or missing target), 74 for a failed write or read-back, 66 when the
  /// source cannot be opened, 65 for a source that is no readable vmcore.
  static func exitStatus(for error: Error) -> Int32 {
    if let error = error as? CaptureError {
      switch error {
      case .create: return 73
      case .write, .read: return 74
      case .cannotResume: return 65
      }
    }
    if case DumpError.cannotOpen(_, let number) = error { return DumpError.isMissingInput(number) ? 66 : 74 }
    return 65
  }
}
