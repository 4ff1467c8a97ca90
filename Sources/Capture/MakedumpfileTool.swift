import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// makedumpfile's jobs done by Coroner, for an executable run under the name
/// `makedumpfile`: `VMCORE DUMPFILE` is a capture (`CaptureSession`) with the dump moved
/// to DUMPFILE and the log and crash scene left beside it in `coroner/`; `--dump-dmesg`
/// writes the log as makedumpfile 1.7 does; `-R` rebuilds a flattened stream. Every
/// failure exits 1, makedumpfile's FAILED. The caller gives the writers of standard
/// output and standard error and exits with the status.
public enum MakedumpfileTool {
  static let failed: Int32 = 1

  public static let usage = """
    Coroner standing in for makedumpfile.

    Usage:
      makedumpfile [-c|-l|-p|-z] [-d DUMP_LEVEL] [-f] [--message-level N] [--num-threads N]
                   [--cyclic-buffer KIB] [--non-mmap] VMCORE DUMPFILE
      makedumpfile -F [-c|-l|-p|-z] [-d DUMP_LEVEL] [--message-level N] [--num-threads N]
                   [--cyclic-buffer KIB] [--non-mmap] VMCORE > FLATTENED
      makedumpfile --dump-dmesg [--partial-dmesg] VMCORE LOGFILE
      makedumpfile -R DUMPFILE < FLATTENED
      makedumpfile -h | -v

    DUMPFILE is written in the kdump-compressed format (zlib -c, lzo -l, snappy -p,
    zstd -z, else uncompressed); the kernel log and crash.json go to coroner/ beside it.
    -F writes the same dump as makedumpfile's flattened stream (makedumpfile -R rebuilds
    it), every message on standard error. Other makedumpfile options are refused by name.

    """

  /// The writers a run talks through, and whether standard error is a terminal.
  public struct Terminal {
    public var output: (String) -> Void
    public var error: (String) -> Void
    public var isTerminal: Bool
    public var version: String

    public init(
      output: @escaping (String) -> Void, error: @escaping (String) -> Void, isTerminal: Bool, version: String
    ) {
      self.output = output
      self.error = error
      self.isTerminal = isTerminal
      self.version = version
    }
  }

  /// Runs `arguments` (without the program name) and returns the exit status.
  public static func run(_ arguments: [String], terminal: Terminal) -> Int32 {
    let options: MakedumpfileOptions
    do {
      options = try MakedumpfileOptions.parse(arguments)
    } catch {
      terminal.error(
        "makedumpfile: \(error)\nCommandline parameter is invalid.\n"
          + "Try `makedumpfile --help' for more information.\n")
      return MakedumpfileOptions.usageExitCode
    }
    let run = Run(options: options, terminal: terminal)
    switch options.action {
    case .help:
      terminal.output(usage)
      return 0
    case .version:
      terminal.output("makedumpfile: Coroner \(terminal.version), reading makedumpfile 1.7's options\n")
      return 0
    case .dumpDmesg(let vmcore, let logFile, let partial):
      return run.dumpDmesg(vmcore: vmcore, logFile: logFile, partial: partial)
    case .rearrange(let dumpFile):
      return run.rearrange(dumpFile: dumpFile)
    case .capture(let vmcore, let dumpFile):
      return run.capture(vmcore: vmcore, dumpFile: dumpFile)
    case .captureToStandardOutput(let vmcore):
      return run.captureToStandardOutput(vmcore: vmcore)
    }
  }

  struct Run {
    var options: MakedumpfileOptions
    var terminal: Terminal

    func error(_ text: String) {
      if options.showsErrors { terminal.error("makedumpfile: \(text)\n") }
    }

    func common(_ text: String) {
      guard options.showsCommon else { return }
      // With -F standard output is the dump: messages go to standard error.
      if case .captureToStandardOutput = options.action {
        terminal.error(text + "\n")
      } else {
        terminal.output(text + "\n")
      }
    }

    /// makedumpfile keeps an existing output unless -f.
    func refuseExisting(_ path: String) -> Bool {
      guard !options.force, access(path, F_OK) == 0 else { return false }
      error("\(path): the file exists (give -f to overwrite it)")
      return true
    }

    func dumpDmesg(vmcore: String, logFile: String, partial: Bool) -> Int32 {
      if refuseExisting(logFile) { return failed }
      var text: [UInt8] = []
      do {
        let dump = try Vmcore.open(paths: [vmcore])
        let log = try dump.kernelLog()
        let clear = partial ? try dump.clearSequence() : 0
        for record in log.records where record.sequence >= clear {
          DmesgFormatter.makedumpfile(record, into: &text)
        }
        for problem in dump.problems + log.problems { error("warning: \(vmcore): \(problem)") }
        let file = try FileDumpOutput(path: logFile)
        try file.write(text, at: 0)
        try file.synchronize()
      } catch let failure {
        error("\(failure)")
        return failed
      }
      common("The dmesg log is saved to \(logFile).")
      return 0
    }

    func rearrange(dumpFile: String) -> Int32 {
      if refuseExisting(dumpFile) { return failed }
      do {
        let output = try FileDumpOutput(path: dumpFile)
        let result = try FlattenedRearrange.run(from: 0, name: "standard input", into: output)
        try output.synchronize()
        common("The dumpfile is saved to \(dumpFile) (\(result.records) records, \(result.bytes) bytes).")
        return 0
      } catch let failure {
        error("\(failure)")
        return failed
      }
    }

    /// The folder beside DUMPFILE that keeps the rest of the capture.
    static func folder(beside dumpFile: String) -> String {
      guard let slash = dumpFile.lastIndex(of: "/") else { return "coroner" }
      return String(dumpFile[..<slash]) + "/coroner"
    }

    func capture(vmcore: String, dumpFile: String) -> Int32 {
      if refuseExisting(dumpFile) { return failed }
      let folder = Self.folder(beside: dumpFile)
      if mkdir(folder, 0o755) != 0 && errno != EEXIST {
        error("\(folder): cannot create: \(String(cString: strerror(errno)))")
        return failed
      }
      guard let report = session(vmcore: vmcore, folder: folder, output: nil) else { return failed }
      let written = "\(folder)/\(CaptureSession.dumpName)"
      if rename(written, dumpFile) != 0 {
        error("\(written): cannot move to \(dumpFile): \(String(cString: strerror(errno)))")
        return failed
      }
      common(CaptureSummary.line(report, directory: folder))
      common("The dumpfile is saved to \(dumpFile); the kernel log and crash.json are in \(folder).")
      return report.complete ? 0 : failed
    }

    /// `-F`: the dump as a flattened stream on standard output. The log and crash.json
    /// the capture writes first have no folder to stay in (kdump-tools names only the
    /// file it pipes into); they are made in a temporary folder that is removed after.
    func captureToStandardOutput(vmcore: String) -> Int32 {
      var template = Array("/tmp/coroner-makedumpfile-XXXXXX".utf8CString)
      guard let made = mkdtemp(&template) else {
        error("/tmp: cannot make a temporary folder: \(String(cString: strerror(errno)))")
        return failed
      }
      let folder = String(cString: made)
      defer { Self.removeFolder(folder) }
      let stream: FlattenedDumpOutput
      do {
        stream = try FlattenedDumpOutput(descriptor: 1, name: "standard output")
      } catch let failure {
        error("\(failure)")
        return failed
      }
      guard let report = session(vmcore: vmcore, folder: folder, output: stream) else { return failed }
      do {
        try stream.finish()
      } catch let failure {
        error("\(failure)")
        return failed
      }
      common(CaptureSummary.line(report, directory: folder, streamed: true))
      return report.complete ? 0 : failed
    }

    static func removeFolder(_ folder: String) {
      guard let directory = opendir(folder) else { return }
      while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
          String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { unlink(folder + "/" + name) }
      }
      closedir(directory)
      rmdir(folder)
    }

    /// Runs the capture into `folder` (the dump into `output` when given); nil when it
    /// failed, after saying why.
    func session(
      vmcore: String, folder: String, output: (any DumpOutput & Sendable)?
    ) -> CaptureSession.Report? {
      let codec: PageCodec
      switch options.compression {
      case .none: codec = .none
      case .zlib: codec = .zlib
      case .lzo: codec = .lzo
      case .snappy: codec = .snappy
      case .zstd: codec = .zstd
      }
      var session = CaptureSession.Options(
        source: vmcore, directory: folder, level: DumpLevel(level: options.dumpLevel) ?? .all, codec: codec,
        threads: options.threads ?? max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
      session.output = output
      if let kib = options.cyclicBufferKiB { session.cyclicBufferBytes = kib << 10 }
      session.mapsSource = options.mapsVmcore
      let redraw = options.showsProgress && terminal.isTerminal
      var progress = CaptureProgressLine()
      let report: CaptureSession.Report
      do {
        report = try CaptureSession(options: session).run { step in
          if redraw, let text = progress.redraw(step) { terminal.error(text) }
        }
      } catch let failure {
        if redraw, let text = progress.clear() { terminal.error(text) }
        error("\(failure)")
        return nil
      }
      if redraw, let text = progress.clear() { terminal.error(text) }
      for problem in report.problems { error("warning: \(vmcore): \(problem)") }
      return report
    }
  }
}
