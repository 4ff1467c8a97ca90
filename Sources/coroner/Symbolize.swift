import ArgumentParser
import Foundation
import Symbols

/// `coroner symbolize`: annotate a kernel trace with source lines and inline chains.
struct Symbolize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Annotate a kernel trace with function, file:line and inlined frames.",
    discussion: """
      Reads a trace as the console printed it (func+0x1a/0x40 [module], with or without \
      '? ', timestamps, RIP: lines) and prints it back with the source line of every frame, \
      inlined frames on their own lines, as decode_stacktrace.sh would, in one process. \
      Return addresses are looked up one byte back, as the kernel's %pB does. Without \
      --vmlinux, the vmlinux is looked for under --debug-dir for the release the trace names.
      """)

  @Option(help: "The vmlinux with debug info (Debian: /usr/lib/debug/boot/vmlinux-RELEASE).")
  var vmlinux: String?

  @Option(help: "Debug file tree to search (boot/vmlinux-REL, lib/modules/REL, .build-id).")
  var debugDir: String = "/usr/lib/debug"

  @Option(help: "Folder searched for module debug files (NAME.ko, NAME.ko.debug).")
  var modules: String?

  @Option(help: "The kernel release, when the trace does not name it.")
  var release: String?

  @Option(
    help:
      "The expected GNU build id of vmlinux (default: the one the trace's CPU line states); a file with another is refused."
  )
  var buildId: String?

  @Flag(help: "Read one vmlinux address per line (hex) and print its inline chain, as llvm-symbolizer does.")
  var addresses = false

  @Flag(help: "Keep the build directory in source paths (stripped by default, as decode_stacktrace.sh does).")
  var fullPaths = false

  @Flag(help: "Print JSON.")
  var json = false

  @Argument(help: "The trace file, or - for standard input.")
  var file: String = "-"

  func run() throws {
    let lines = try SymbolizeInput.read(file)
    let release = release ?? TraceSymbolizer.release(inTrace: lines)
    let buildId = buildId ?? TraceSymbolizer.buildID(inTrace: lines)
    let vmlinuxPath = try locateVmlinux(release: release, buildId: buildId)
    var object: DebugObject?
    if let vmlinuxPath {
      do {
        object = try DebugObject(path: vmlinuxPath)
        if let buildId, let found = try object?.file.buildID(), found != buildId.lowercased() {
          SymbolizeTerminal.error(
            "error: \(vmlinuxPath) has build id \(found), expected \(buildId.lowercased())")
          throw ExitCode(65)
        }
      } catch let error as SymbolsError {
        SymbolizeTerminal.error("error: \(error)")
        throw ExitCode(error.kind == .io ? 66 : 65)
      }
    } else if addresses {
      SymbolizeTerminal.error("error: --addresses needs a vmlinux (--vmlinux PATH)")
      throw ExitCode(66)
    }
    if addresses, let object {
      try SymbolizeOutput.addresses(lines, object: object, json: json)
      return
    }
    let moduleDirectory = modules ?? release.map { "\(debugDir)/lib/modules/\($0)" }
    let symbolizer = TraceSymbolizer(vmlinux: object, modulesDirectory: moduleDirectory)
    let results = lines.map { symbolizer.symbolize($0) }
    if json {
      try SymbolizeOutput.json(results)
    } else {
      SymbolizeOutput.text(results, stripping: fullPaths ? [] : symbolizer.buildDirectories())
    }
    if object == nil, results.contains(where: { $0.frame != nil && $0.frame?.module == nil }) {
      SymbolizeTerminal.error(
        "note: no vmlinux found (give --vmlinux, or install the -dbg package for \(release ?? "the kernel"))")
    }
  }

  private func locateVmlinux(release: String?, buildId: String?) throws -> String? {
    if let vmlinux {
      guard FileManager.default.isReadableFile(atPath: vmlinux) else {
        SymbolizeTerminal.error("error: \(vmlinux): cannot read")
        throw ExitCode(66)
      }
      return vmlinux
    }
    return try DebugFileLocator(debugDirectory: debugDir).findVmlinux(release: release, buildID: buildId)
  }
}

enum SymbolizeInput {
  static func read(_ file: String) throws -> [String] {
    let data: Data
    if file == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let contents = FileManager.default.contents(atPath: file) else {
        SymbolizeTerminal.error("error: \(file): cannot read")
        throw ExitCode(66)
      }
      data = contents
    }
    let lines = TraceSymbolizer.lines(Array(data))
    return lines
  }
}

enum SymbolizeTerminal {
  static func error(_ line: String) {
    fputs(line + "\n", stderr)
  }
}
