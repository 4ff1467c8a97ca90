import KernelLog

/// Annotates a console trace: every `func+off` frame line resolved against vmlinux or
/// its module's debug file, the rest passed through. Objects are opened once and
/// shared by all frames.
public final class TraceSymbolizer: @unchecked Sendable {
  public struct Line: Sendable {
    public var text: String
    public var frame: TraceFrameLine?
    public var resolved: ResolvedFrame?
    /// Why a frame line was left unresolved (no module file, unknown symbol...).
    public var problem: String?
  }

  public let vmlinux: DebugObject?
  public let modulesDirectory: String?
  private let lock = Lock()
  private var modules: [String: DebugObject?] = [:]
  private var moduleProblems: [String: String] = [:]

  public init(vmlinux: DebugObject?, modulesDirectory: String?) {
    self.vmlinux = vmlinux
    self.modulesDirectory = modulesDirectory
  }

  public func symbolize(_ text: String) -> Line {
    guard let frame = TraceFrameLine.parse(text) else { return Line(text: text) }
    return resolve(frame, text: text)
  }

  /// Resolves a frame known by its parts (a report's frame, a register's symbol)
  /// without printing it as text to parse it back; `text` is what the line carries.
  public func resolve(_ frame: TraceFrameLine, text: String = "") -> Line {
    var line = Line(text: text, frame: frame)
    let object: DebugObject?
    if let module = frame.module {
      (object, line.problem) = lock.withLock { (self.module(module), moduleProblems[module]) }
    } else {
      object = vmlinux
      if object == nil { line.problem = "no vmlinux" }
    }
    guard let object else { return line }
    // `[module buildid]` (CONFIG_STACKTRACE_BUILD_ID): another build's file would
    // name the wrong lines.
    if let expected = frame.moduleBuildID?.lowercased(), let found = try? object.file.buildID(),
      found != expected
    {
      line.problem = "\(object.path) has build id \(found), the trace names \(expected)"
      return line
    }
    do {
      line.resolved = try object.resolve(
        name: frame.symbol, offset: frame.offset, size: frame.size, isReturnAddress: frame.isReturnAddress)
      if line.resolved == nil { line.problem = "\(frame.symbol) is not in \(object.path)" }
    } catch {
      line.problem = "\(error)"
    }
    return line
  }

  private func module(_ name: String) -> DebugObject? {
    if let cached = modules[name] { return cached }
    var object: DebugObject?
    if let modulesDirectory {
      if let path = DebugFileLocator.findModule(named: name, under: modulesDirectory) {
        do { object = try DebugObject(path: path) } catch { moduleProblems[name] = "\(error)" }
      } else {
        moduleProblems[name] = "no \(name).ko under \(modulesDirectory)"
      }
    } else {
      moduleProblems[name] = "no modules directory for [\(name)]"
    }
    modules[name] = object
    return object
  }

  /// The build directory prefixes of vmlinux's source paths: what precedes
  /// `init/main.c` in the location of `start_kernel` (decode_stacktrace.sh's `auto`
  /// base path), and the source tree that assembler units name absolutely: their
  /// DW_AT_comp_dir less that prefix (Debian builds in `SOURCE/debian/build/build_amd64_none_amd64`,
  /// maps that to a relative path for C units, and not for assembler ones).
  public func buildDirectories() -> [String] {
    guard let vmlinux, let symbols = try? vmlinux.symbols(),
      let start = symbols.symbols(named: "start_kernel").first,
      let file = try? vmlinux.frames(at: start.address).last?.file, file.hasSuffix("init/main.c")
    else { return [] }
    var prefixes = [String(file.dropLast("init/main.c".count))]
    for name in ["startup_64", "entry_SYSCALL_64"] {
      guard let symbol = symbols.symbols(named: name).first,
        let directory = try? vmlinux.dwarf.compilationDirectory(containing: symbol.address),
        directory.hasPrefix("/")
      else { continue }
      let build = directory.hasSuffix("/") ? directory : directory + "/"
      if let relative = prefixes.first, !relative.isEmpty, build.hasSuffix("/" + relative) {
        prefixes.append(String(build.dropLast(relative.count)))
      }
      prefixes.append(build)
      break
    }
    return prefixes.filter { !$0.isEmpty }
  }

  /// The lines of a console log. Split on bytes: Swift reads the "\r\n" of serial
  /// consoles as one Character, so splitting a String on "\n" would miss them.
  public static func lines(_ text: String) -> [String] {
    lines(Array(text.utf8))
  }

  public static func lines(_ bytes: [UInt8]) -> [String] {
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
      String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
    }
    if lines.last == "" { lines.removeLast() }
    return lines
  }

  /// The vmlinux build id a trace states at the end of its `CPU: ... PID: ...` line
  /// (CONFIG_STACKTRACE_BUILD_ID, lib/dump_stack.c), when it does.
  public static func buildID<Lines: Sequence<String>>(inTrace lines: Lines) -> String? {
    lines.lazy.compactMap { DumpStackInfo($0)?.buildID }.first
  }

  /// The kernel release from a trace's `CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-56-amd64 #1`
  /// line (lib/dump_stack.c dump_stack_print_info()).
  public static func release<Lines: Sequence<String>>(inTrace lines: Lines) -> String? {
    lines.lazy.compactMap { DumpStackInfo($0)?.release }.first
  }
}
