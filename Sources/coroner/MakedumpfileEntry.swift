import ArgumentParser
import Capture

#if canImport(Glibc)
  import Glibc
#endif

extension Coroner {
  /// Run as `makedumpfile` (a link to coroner, which the coroner-makedumpfile package
  /// installs in place of makedumpfile with dpkg-divert), coroner reads makedumpfile's
  /// command line (`MakedumpfileTool`), so kdump-tools and kdump-utils capture with
  /// Coroner unchanged.
  static func runIfMakedumpfile() {
    let program = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? ""
    if program == "makedumpfile" {
      let terminal = MakedumpfileTool.Terminal(
        output: { DumpCommandSupport.write(Array($0.utf8)) }, error: { DumpCommandSupport.writeError($0) },
        isTerminal: isatty(2) != 0, version: CoronerVersion.string)
      Glibc.exit(MakedumpfileTool.run(Array(CommandLine.arguments.dropFirst()), terminal: terminal))
    }
  }
}
