import ArgumentParser
import Capture

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `coroner capture`: inside the capture kernel, save the log, the crash scene and
/// a filtered, compressed kdump-compressed dump of /proc/vmcore. The arguments and the
/// run are `CaptureTool`'s, shared with the small `coroner-capture` binary.
struct CaptureCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "capture", abstract: CaptureTool.abstract, discussion: CaptureTool.usage,
    helpNames: [])

  @Argument(parsing: .allUnrecognized, help: "The options of the usage above.")
  var arguments: [String] = []

  func run() throws {
    let status = CaptureTool.run(
      arguments, program: "coroner", terminal: isatty(2) != 0,
      write: { DumpCommandSupport.writeError($0) }, help: { print($0, terminator: "") })
    if status != 0 { throw ExitCode(status) }
  }
}
