import ArgumentParser
import Capture
import Dump

#if canImport(Glibc)
  import Glibc
#endif

extension Coroner {
  /// Run as `makedumpfile` (a link to coroner, which the coroner-makedumpfile package
  /// installs in place of makedumpfile with dpkg-divert), coroner reads makedumpfile's
  /// command line, so kdump-tools and kdump-utils capture with Coroner unchanged.
  static func main() {
    let program = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? ""
    if program == "makedumpfile" {
      Glibc.exit(MakedumpfileEntry.run(Array(CommandLine.arguments.dropFirst())))
    }
    main(nil)
  }
}

/// makedumpfile's options done by Coroner: `VMCORE DUMPFILE` is `coroner capture` with
/// the dump written to DUMPFILE and the log and crash scene beside it in `coroner/`;
/// `--dump-dmesg` is `coroner dmesg --style makedumpfile`; `-R` rebuilds a flattened
/// stream. Every failure exits 1, makedumpfile's FAILED.
enum MakedumpfileEntry {
  static let failed: Int32 = 1

  static func run(_ arguments: [String]) -> Int32 {
    let options: MakedumpfileOptions
    do {
      options = try MakedumpfileOptions.parse(arguments)
    } catch {
      DumpCommandSupport.writeError(
        "makedumpfile: \(error)\nCommandline parameter is invalid.\n"
          + "Try `makedumpfile --help' for more information.\n")
      return MakedumpfileOptions.usageExitCode
    }
    switch options.action {
    case .help:
      DumpCommandSupport.write(Array(usage.utf8))
      return 0
    case .version:
      print("makedumpfile: Coroner \(CoronerVersion.string), reading makedumpfile 1.7's options")
      return 0
    case .dumpDmesg(let vmcore, let logFile, let partial):
      return dumpDmesg(vmcore: vmcore, logFile: logFile, partial: partial, options: options)
    case .rearrange(let dumpFile):
      return rearrange(dumpFile: dumpFile, options: options)
    case .capture(let vmcore, let dumpFile):
      return capture(vmcore: vmcore, dumpFile: dumpFile, options: options)
    }
  }

  static let usage = """
    Coroner standing in for makedumpfile.

    Usage:
      makedumpfile [-c|-l|-p|-z] [-d DUMP_LEVEL] [-f] [--message-level N] [--num-threads N] VMCORE DUMPFILE
      makedumpfile --dump-dmesg [--partial-dmesg] VMCORE LOGFILE
      makedumpfile -R DUMPFILE < FLATTENED
      makedumpfile -h | -v

    DUMPFILE is written in the kdump-compressed format (zlib -c, lzo -l, snappy -p,
    zstd -z, else uncompressed); the kernel log and crash.json go to coroner/ beside it.
    Other makedumpfile options are refused by name.

    """

  static func error(_ text: String, _ options: MakedumpfileOptions) {
    if options.showsErrors { DumpCommandSupport.writeError("makedumpfile: \(text)\n") }
  }

  static func refuseExisting(_ path: String, _ options: MakedumpfileOptions) -> Bool {
    guard !options.force, access(path, F_OK) == 0 else { return false }
    error("\(path): the file exists (give -f to overwrite it)", options)
    return true
  }

  static func dumpDmesg(vmcore: String, logFile: String, partial: Bool, options: MakedumpfileOptions) -> Int32
  {
    if refuseExisting(logFile, options) { return failed }
    var output: [UInt8] = []
    do {
      let dump = try Vmcore.open(paths: [vmcore])
      let log = try dump.kernelLog()
      let clear = partial ? try dump.clearSequence() : 0
      for record in log.records where record.sequence >= clear {
        DmesgFormatter.makedumpfile(record, into: &output)
      }
      for problem in dump.problems + log.problems { error("warning: \(vmcore): \(problem)", options) }
      let file = try FileDumpOutput(path: logFile)
      try file.write(output, at: 0)
      try file.synchronize()
    } catch let failure {
      error("\(failure)", options)
      return failed
    }
    if options.showsCommon { print("The dmesg log is saved to \(logFile).") }
    return 0
  }

  static func rearrange(dumpFile: String, options: MakedumpfileOptions) -> Int32 {
    if refuseExisting(dumpFile, options) { return failed }
    do {
      let output = try FileDumpOutput(path: dumpFile)
      let result = try FlattenedRearrange.run(from: 0, name: "standard input", into: output)
      try output.synchronize()
      if options.showsCommon {
        print("The dumpfile is saved to \(dumpFile) (\(result.records) records, \(result.bytes) bytes).")
      }
      return 0
    } catch let failure {
      error("\(failure)", options)
      return failed
    }
  }

  static func capture(vmcore: String, dumpFile: String, options: MakedumpfileOptions) -> Int32 {
    if refuseExisting(dumpFile, options) { return failed }
    let parent = dumpFile.contains("/") ? String(dumpFile[..<dumpFile.lastIndex(of: "/")!]) : "."
    let folder = (parent.isEmpty ? "" : parent) + "/coroner"
    if mkdir(folder, 0o755) != 0 && errno != EEXIST {
      error("\(folder): cannot create: \(String(cString: strerror(errno)))", options)
      return failed
    }
    let codec: PageCodec
    switch options.compression {
    case .none: codec = .none
    case .zlib: codec = .zlib
    case .lzo: codec = .lzo
    case .snappy: codec = .snappy
    case .zstd: codec = .zstd
    }
    let session = CaptureSession.Options(
      source: vmcore, directory: folder, level: DumpLevel(level: options.dumpLevel) ?? .all, codec: codec,
      threads: options.threads ?? max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    let terminal = options.showsProgress && isatty(2) != 0
    var progress = CaptureProgressLine()
    let report: CaptureSession.Report
    do {
      report = try CaptureSession(options: session).run { step in
        if terminal { progress.show(step) }
      }
    } catch let failure {
      if terminal { progress.clear() }
      error("\(failure)", options)
      return failed
    }
    if terminal { progress.clear() }
    for problem in report.problems { error("warning: \(vmcore): \(problem)", options) }
    let written = "\(folder)/\(CaptureSession.dumpName)"
    if rename(written, dumpFile) != 0 {
      error("\(written): cannot move to \(dumpFile): \(String(cString: strerror(errno)))", options)
      return failed
    }
    if options.showsCommon {
      print(CaptureSummary.line(report, directory: folder))
      print("The dumpfile is saved to \(dumpFile); the kernel log and crash.json are in \(folder).")
    }
    return report.complete ? 0 : failed
  }
}
