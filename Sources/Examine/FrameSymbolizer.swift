import KernelLog
import Symbols

/// The Symbols engine over a report's frames: each frame resolved from its parts
/// (`function+offset/size [module]`) in vmlinux or its module's debug file to its
/// inline chain, and the guilty frame's file named, as `coroner symbolize` annotates
/// a console trace.
struct FrameSymbolizer {
  let symbolizer: TraceSymbolizer
  let prefixes: [String]
  /// Why some frames cannot be resolved (no vmlinux found, one that cannot be read).
  let problems: [EvidenceProblem]

  /// Nil when no debuginfo was asked for; a vmlinux that cannot be found or opened
  /// leaves only modules to resolve, and says so in `problems`.
  init?(options: ExamineOptions, buildID: String?, release: String?) {
    guard options.wantsSource else { return nil }
    let debugDirectory = options.debugDirectory ?? "/usr/lib/debug"
    var problems: [EvidenceProblem] = []
    var path = options.vmlinux
    if path == nil {
      do {
        path = try DebugFileLocator(debugDirectory: debugDirectory).findVmlinux(
          release: release, buildID: buildID)
        if path == nil {
          problems.append(
            EvidenceProblem(
              .symbols, "no vmlinux for \(release ?? "an unknown release") under \(debugDirectory)"))
        }
      } catch {
        problems.append(EvidenceProblem(.symbols, "no vmlinux with debug info: \(error)"))
      }
    }
    var object: DebugObject?
    if let path {
      do {
        object = try DebugObject(path: path)
      } catch {
        problems.append(EvidenceProblem(.symbols, "\(path) cannot be read for source lines: \(error)"))
      }
    }
    let modules = options.modulesDirectory ?? release.map { "\(debugDirectory)/lib/modules/\($0)" }
    symbolizer = TraceSymbolizer(vmlinux: object, modulesDirectory: modules)
    prefixes = symbolizer.buildDirectories()
    self.problems = problems
  }

  func annotate(_ report: CrashReport) -> CrashReport {
    var report = report
    let rip = report.registers["rip"] ?? ""
    for index in report.frames.indices {
      let frame = report.frames[index]
      // The first frame is the faulting instruction when the log's RIP names it;
      // every other frame is a return address, looked up one byte back.
      let isInstruction = index == 0 && rip.contains(frame.function + "+")
      guard let sources = resolve(frame, isInstruction: isInstruction), let innermost = sources.first else {
        continue
      }
      report.frames[index].file = innermost.file
      report.frames[index].line = innermost.line
      report.frames[index].inlined = innermost.inlined
      report.frames[index].sources = sources
    }
    // The guilty function's own file: the outermost entry of its chain, not the
    // header an inlined helper (cpu_relax) came from.
    if let guilty = report.guiltyFrame,
      let frame = report.frames.first(where: { $0.reliable && $0.baseName == guilty && !$0.sources.isEmpty }),
      let file = frame.sources.last?.file
    {
      report.guiltyFile = file
    }
    return report
  }

  /// The inline chain, innermost first, with build directories stripped.
  func resolve(_ frame: StackFrame, isInstruction: Bool) -> [StackFrame.Source]? {
    guard let offset = frame.offset else { return nil }
    let sources = sourceFrames(
      function: frame.function, offset: offset, size: frame.size, module: frame.module,
      reliable: frame.reliable, isReturnAddress: !isInstruction
    ).compactMap { source -> StackFrame.Source? in
      guard let file = source.file else { return nil }
      return StackFrame.Source(
        file: file, line: source.line == 0 ? nil : Int(source.line), inlined: source.inlined)
    }
    return sources.isEmpty ? nil : sources
  }

  /// The inline chain at `function+offset`, innermost first, files with the build
  /// directories stripped; empty when the debuginfo does not cover it.
  func sourceFrames(
    function: String, offset: UInt64, size: UInt64?, module: String?, reliable: Bool, isReturnAddress: Bool
  ) -> [SourceFrame] {
    let line = TraceFrameLine(
      symbol: function, offset: offset, size: size, module: module, reliable: reliable,
      isReturnAddress: isReturnAddress)
    guard let resolved = symbolizer.resolve(line).resolved else { return [] }
    return resolved.source.map { source in
      var source = source
      source.file = source.file.map(strip)
      return source
    }
  }

  func strip(_ file: String) -> String {
    for prefix in prefixes where file.hasPrefix(prefix) { return String(file.dropFirst(prefix.count)) }
    return file
  }
}
