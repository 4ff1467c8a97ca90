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
    let input = try SymbolizeInput.read(file)
    let release = release ?? TraceSymbolizer.release(inTrace: TraceLines(input))
    let buildId = buildId ?? TraceSymbolizer.buildID(inTrace: TraceLines(input))
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
      try SymbolizeOutput.addresses(TraceLines(input), object: object, json: json)
      return
    }
    let moduleDirectory = modules ?? release.map { "\(debugDir)/lib/modules/\($0)" }
    let symbolizer = TraceSymbolizer(vmlinux: object, modulesDirectory: moduleDirectory)
    // Line by line, printed a batch at a time: memory stays the input's and a batch's,
    // whatever the number of frames.
    var output = SymbolizeOutput.Stream(
      json: json, stripping: json || fullPaths ? [] : symbolizer.buildDirectories())
    var batch: [TraceSymbolizer.Line] = []
    var tally = SymbolizeTally()
    for line in TraceLines(input) {
      let result = symbolizer.symbolize(line)
      tally.add(result)
      batch.append(result)
      if batch.count == 4096 {
        try output.write(batch)
        batch.removeAll(keepingCapacity: true)
      }
    }
    try output.write(batch)
    output.finish()
    if object == nil, tally.bareKernelFrames > 0 {
      SymbolizeTerminal.error(
        "note: no vmlinux found (give --vmlinux, or install the -dbg package for \(release ?? "the kernel"))")
      return
    }
    // A vmlinux that resolves none of the frames (no symbols, another build) leaves
    // the trace as bare as without it: that is said, and with nothing resolved at all
    // the run fails, so a bare trace is never taken for an annotated one.
    if tally.unresolved > 0, let problem = tally.firstProblem {
      let verdict = tally.resolved == 0 ? "error" : "warning"
      SymbolizeTerminal.error(
        "\(verdict): \(tally.unresolved) of \(tally.frames) frames left bare (first: \(problem))")
      if tally.resolved == 0 { throw ExitCode(65) }
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
  /// The input's bytes (a file, or standard input to its end).
  static func read(_ file: String) throws -> [UInt8] {
    if file == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let contents = FileManager.default.contents(atPath: file) else {
      SymbolizeTerminal.error("error: \(file): cannot read")
      throw ExitCode(66)
    }
    return Array(contents)
  }
}

/// The lines of a trace, made one at a time (a trailing `\r` dropped, as a serial
/// console leaves it; no empty line after the last newline).
struct TraceLines: Sequence {
  let bytes: [UInt8]
  init(_ bytes: [UInt8]) { self.bytes = bytes }

  struct Iterator: IteratorProtocol {
    let bytes: [UInt8]
    var start = 0
    mutating func next() -> String? {
      guard start < bytes.count else { return nil }
      let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      var line = bytes[start..<end]
      if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
      start = end + 1
      return String(decoding: line, as: UTF8.self)
    }
  }

  func makeIterator() -> Iterator { Iterator(bytes: bytes) }
}

/// Frames seen, resolved and left bare, for what the run says at its end.
struct SymbolizeTally {
  var frames = 0
  var resolved = 0
  var unresolved = 0
  var bareKernelFrames = 0
  var firstProblem: String?

  mutating func add(_ line: TraceSymbolizer.Line) {
    guard let frame = line.frame else { return }
    frames += 1
    if line.resolved != nil {
      resolved += 1
      return
    }
    unresolved += 1
    if frame.module == nil { bareKernelFrames += 1 }
    if firstProblem == nil { firstProblem = line.problem }
  }
}

enum SymbolizeTerminal {
  static func error(_ line: String) {
    fputs(line + "\n", stderr)
  }
}
