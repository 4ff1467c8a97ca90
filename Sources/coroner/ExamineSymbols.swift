import Dump
import Foundation
import KernelLog
import Symbols

/// `examine --vmlinux PATH` / `--debug-dir DIR`: where to find debuginfo.
struct ExamineOptions {
  var vmlinux: String?
  var debugDirectory: String?
  var modulesDirectory: String?

  var wantsSource: Bool { vmlinux != nil || debugDirectory != nil }
}

/// The Symbols engine over a report's frames: each `func+off/size [module]` resolved
/// in vmlinux or its module's debug file to its inline chain, and the guilty frame's
/// innermost file:line as `guilty_file`, as `coroner symbolize` would annotate them.
struct ExamineSymbolizer {
  let symbolizer: TraceSymbolizer
  let prefixes: [String]

  /// Nil when no debuginfo was asked for; a vmlinux that cannot be opened leaves only
  /// modules to resolve (the problem is the frame's to report, not examine's to fail).
  init?(options: ExamineOptions, vmcore: Vmcore?, release: String?) {
    guard options.wantsSource else { return nil }
    let debugDirectory = options.debugDirectory ?? "/usr/lib/debug"
    var path = options.vmlinux
    if path == nil {
      let buildID = vmcore?.vmcoreInfo?.buildID
      path = try? DebugFileLocator(debugDirectory: debugDirectory).findVmlinux(
        release: release, buildID: buildID)
    }
    let object = path.flatMap { try? DebugObject(path: $0) }
    let modules = options.modulesDirectory ?? release.map { "\(debugDirectory)/lib/modules/\($0)" }
    symbolizer = TraceSymbolizer(vmlinux: object, modulesDirectory: modules)
    prefixes = symbolizer.buildDirectories()
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
    var text = (isInstruction ? "RIP: 0010:" : " ") + frame.function + "+0x" + String(offset, radix: 16)
    if let size = frame.size { text += "/0x" + String(size, radix: 16) }
    if let module = frame.module { text += " [\(module)]" }
    guard let resolved = symbolizer.symbolize(text).resolved else { return nil }
    let sources = resolved.source.compactMap { source -> StackFrame.Source? in
      guard let file = source.file else { return nil }
      return StackFrame.Source(
        file: strip(file), line: source.line == 0 ? nil : Int(source.line), inlined: source.inlined)
    }
    return sources.isEmpty ? nil : sources
  }

  func strip(_ file: String) -> String {
    for prefix in prefixes where file.hasPrefix(prefix) { return String(file.dropFirst(prefix.count)) }
    return file
  }
}
