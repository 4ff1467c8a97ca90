import ArgumentParser
import Capture
import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `coroner capture`: inside the capture kernel, save the log, the crash scene and
/// a filtered, compressed kdump-compressed dump of /proc/vmcore.
struct CaptureCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "capture",
    abstract: "Save a vmcore as a filtered, compressed kdump-compressed dump, the kernel log first.",
    discussion: """
      Writes DIR/dmesg.txt and DIR/dmesg.json (the kernel log), DIR/crash.json (the crash \
      scene and the SHA-256 of every file), and DIR/dump.kdump, readable by crash, \
      makedumpfile and drgn. When the target fills up, the dump is finished as a valid \
      dump flagged incomplete; --resume continues it. Any vmcore coroner reads can be \
      given with --from, to re-filter or re-compress it.
      """)

  @Option(help: "The vmcore to save.")
  var from = "/proc/vmcore"

  @Option(help: "The folder to write to (created if missing).")
  var to: String

  @Option(
    help: """
      makedumpfile's dump level: the sum of the page classes left out (1 zero, 2 cache \
      without private data, 4 all cache, 8 user data, 16 free pages).
      """)
  var dumpLevel = 31

  @Option(help: "Page compression: zstd, zlib, lzo, snappy or none.")
  var compress: PageCodec = .zstd

  @Option(help: "Compression threads (default: the CPUs online).")
  var threads: Int?

  @Flag(help: "Continue a dump an earlier run left incomplete in the same folder.")
  var resume = false

  func validate() throws {
    guard DumpLevel(level: dumpLevel) != nil else { throw ValidationError("--dump-level must be 0 to 31") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    if mkdir(to, 0o755) != 0 && errno != EEXIST {
      DumpCommandSupport.writeError(
        "coroner: error: \(to): cannot create: \(String(cString: strerror(errno)))\n")
      throw ExitCode(73)
    }
    let options = CaptureSession.Options(
      source: from, directory: to, level: DumpLevel(level: dumpLevel) ?? .all, codec: compress,
      threads: threads ?? max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))), resume: resume)
    let terminal = isatty(2) != 0
    var progress = CaptureProgressLine()
    let report: CaptureSession.Report
    do {
      report = try CaptureSession(options: options).run { step in
        if terminal { progress.show(step) }
      }
    } catch let error as CaptureError {
      if terminal { progress.clear() }
      DumpCommandSupport.writeError("coroner: error: \(error)\n")
      throw ExitCode(error.isOutputFailure ? 74 : 65)
    } catch {
      if terminal { progress.clear() }
      DumpCommandSupport.fail(error)
    }
    if terminal { progress.clear() }
    for problem in report.problems {
      DumpCommandSupport.writeError("coroner: warning: \(from): \(problem)\n")
    }
    DumpCommandSupport.writeError(CaptureSummary.line(report, directory: to) + "\n")
    if !report.complete { throw ExitCode(74) }
  }
}

extension PageCodec: ExpressibleByArgument {}
