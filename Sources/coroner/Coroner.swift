import ArgumentParser

/// The `coroner` command: thin commands over the libraries. Only this target talks
/// to the terminal; the libraries return values or throw typed errors.
@main
struct Coroner: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coroner",
    abstract: "Find the cause of death of a Linux kernel.",
    discussion: """
      Coroner captures a crash scene (kdump vmcore, pstore, netconsole, serial console) \
      and turns any of that evidence into a crash report: the kind of crash, a stable \
      title, the guilty function and the trace.
      """,
    version: CoronerVersion.string,
    subcommands: [
      ExamineCommand.self, DmesgCommand.self, PsCommand.self, BtCommand.self, InfoCommand.self,
      Symbolize.self, Doctor.self,
      Arm.self, Disarm.self, Pstore.self, CaptureCommand.self, LabCommand.self, ServeCommand.self,
      SendCommand.self, TokenCommand.self,
    ]
  )

  /// Run as `makedumpfile`, coroner takes makedumpfile's command line (see
  /// MakedumpfileEntry); plain `dmesg` command lines skip ArgumentParser's start-up (see
  /// DmesgCommand).
  /// The root is asynchronous because `serve` and `send` are; synchronous subcommands
  /// run as they are.
  static func main() async {
    runIfMakedumpfile()
    if DmesgCommand.runIfPlain(Array(CommandLine.arguments.dropFirst())) { return }
    do {
      var command = try parseAsRoot()
      if var asynchronous = command as? AsyncParsableCommand {
        try await asynchronous.run()
      } else {
        try command.run()
      }
    } catch {
      exit(withError: error)
    }
  }
}

enum CoronerVersion {
  static let string = "0.1.0"
}
