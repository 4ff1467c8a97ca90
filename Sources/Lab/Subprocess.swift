import Foundation

/// The result of a tool the lab ran to completion.
public struct SubprocessResult: Sendable {
  public var status: Int32
  public var output: String
}

/// Runs the external tools of the lab (apt-get, dpkg-deb, make, ldd, QEMU) with an argument
/// vector, never through a shell.
enum Subprocess {
  /// Runs `command`, returns its merged stdout and stderr; throws when it fails.
  @discardableResult
  static func run(
    _ command: [String], in directory: URL? = nil, environment: [String: String]? = nil
  ) throws -> String {
    let result = try launch(command, in: directory, environment: environment)
    guard result.status == 0 else {
      throw LabError.commandFailed(command: command, status: result.status, output: tail(result.output))
    }
    return result.output
  }

  /// Runs `command` and returns its status and output, whatever the status.
  static func launch(
    _ command: [String], in directory: URL? = nil, environment: [String: String]? = nil
  ) throws -> SubprocessResult {
    guard let executable = command.first else {
      throw LabError.missingTool("(empty command)", hint: "internal error")
    }
    let process = Process()
    process.executableURL = try resolve(executable)
    process.arguments = Array(command.dropFirst())
    if let directory { process.currentDirectoryURL = directory }
    if let environment {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return SubprocessResult(
      status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }

  /// Runs `command` and returns its standard output as bytes (for decompressors).
  static func stdout(_ command: [String]) throws -> Data {
    guard let executable = command.first else { return Data() }
    let process = Process()
    process.executableURL = try resolve(executable)
    process.arguments = Array(command.dropFirst())
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw LabError.commandFailed(command: command, status: process.terminationStatus, output: "")
    }
    return data
  }

  /// Finds `name` on PATH (plus the sbin folders, which a non-login root shell may lack).
  static func resolve(_ name: String) throws -> URL {
    if name.contains("/") { return URL(fileURLWithPath: name) }
    if let found = which(name) { return found }
    throw LabError.missingTool(name, hint: "run `coroner lab setup` to install the lab's packages")
  }

  static func which(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    for folder in folders {
      let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
  }

  /// The last lines of a long output, for error messages.
  static func tail(_ text: String, lines: Int = 30) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
  }
}
