import Foundation

/// A reference tool's run (vmcore-dmesg, makedumpfile, llvm-symbolizer, addr2line, cpio):
/// the one subprocess runner of the test targets. Tools are found on PATH and in the
/// sbin folders a non-login root shell may lack; a tool that is not installed is a
/// missing input (`TestInput.missing`, naming scripts/install-prerequisites).
public struct ToolRun: Sendable {
  public var command: [String]
  public var status: Int32
  public var stdout: Data
  public var stderr: Data

  public var text: String { String(decoding: stdout, as: UTF8.self) }
  public var succeeded: Bool { status == 0 }

  /// The tool's path, or nil when it is not installed.
  public static func which(_ tool: String) -> String? {
    if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    return folders.map { $0 + "/" + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// The tool's path, or the missing-input error.
  public static func require(_ tool: String) throws -> String {
    guard let path = which(tool) else {
      throw TestInput.missing("the tool \(tool)", makeWith: "scripts/install-prerequisites")
    }
    return path
  }

  /// Runs `tool` with `arguments` (never through a shell), feeding `input` on standard
  /// input, in `directory` when given, and returns whatever status it ends with.
  public static func launch(
    _ tool: String, _ arguments: [String], input: Data? = nil, in directory: URL? = nil
  ) throws -> ToolRun {
    let executable = try require(tool)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let stdout = Pipe()
    // Standard error to a file: two pipes read one after the other can deadlock when
    // the unread one fills.
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-tool-\(getpid())-\(UUID().uuidString.prefix(8)).err")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let stderr = try FileHandle(forWritingTo: errorFile)
    process.standardOutput = stdout
    process.standardError = stderr
    let stdin = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    try? stderr.close()
    if let input {
      // Written from another thread: a tool that answers line by line fills its output
      // pipe before it has read all of its input.
      let writer = Thread {
        stdin.fileHandleForWriting.write(input)
        try? stdin.fileHandleForWriting.close()
      }
      writer.start()
    }
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errors = (try? Data(contentsOf: errorFile)) ?? Data()
    return ToolRun(
      command: [tool] + arguments, status: process.terminationStatus, stdout: output, stderr: errors)
  }

  /// Runs `tool` and returns its standard output; a non-zero status is an error
  /// carrying the command and the tail of its standard error.
  @discardableResult
  public static func output(
    _ tool: String, _ arguments: [String], input: Data? = nil, in directory: URL? = nil
  ) throws -> Data {
    let run = try launch(tool, arguments, input: input, in: directory)
    guard run.succeeded else { throw ToolFailure(run: run) }
    return run.stdout
  }
}

/// A reference tool that ended with a non-zero status.
public struct ToolFailure: Error, CustomStringConvertible {
  public var run: ToolRun

  public init(run: ToolRun) { self.run = run }

  public var description: String {
    let errors = String(decoding: run.stderr, as: UTF8.self).split(separator: "\n").suffix(5)
      .joined(separator: "\n")
    return "\(run.command.joined(separator: " ")) exited with \(run.status): \(errors)"
  }
}
