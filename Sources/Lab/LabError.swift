import Foundation

/// What went wrong in the lab, with the context a user needs to act on it.
public enum LabError: Error, CustomStringConvertible, Sendable {
  /// A tool the lab shells out to exited non-zero.
  case commandFailed(command: [String], status: Int32, output: String)
  /// A tool the lab needs is not installed and could not be installed.
  case missingTool(String, hint: String)
  /// A package or file that setup should have fetched is not where expected.
  case missingInput(path: String, expected: String)
  /// apt could not resolve a package name in a suite.
  case unresolvedPackage(suite: String, package: String)
  /// The scenario cannot run on this kernel or accelerator.
  case notRunnable(scenario: String, kernel: String, reason: String)
  /// An unknown scenario, kernel or capture name.
  case unknownName(kind: String, name: String, known: [String])
  /// The guest did not reach the expected point in time.
  case guestTimeout(stage: String, seconds: Double, consoleTail: String)
  /// The guest ran but did not leave what the capture needs.
  case captureFailed(method: String, reason: String, consoleTail: String)
  /// The QEMU monitor answered unexpectedly or could not be reached.
  case monitor(socket: String, reason: String)
  /// A file could not be read or written.
  case io(path: String, reason: String)
  /// An apt sources file (sources.list(5)) that apt itself would reject.
  case aptSources(path: String, line: Int, reason: String)
  /// The host's apt sources name no Debian archive (or security archive) to fetch from.
  case noDebianArchive(missing: String, searched: [String], option: String)

  public var description: String {
    switch self {
    case .commandFailed(let command, let status, let output):
      return "`\(command.joined(separator: " "))` exited with status \(status):\n\(output)"
    case .missingTool(let tool, let hint):
      return "\(tool) is not installed: \(hint)"
    case .missingInput(let path, let expected):
      return "\(path): expected \(expected)"
    case .unresolvedPackage(let suite, let package):
      return "apt found no \(package) in suite \(suite)"
    case .notRunnable(let scenario, let kernel, let reason):
      return "scenario \(scenario) cannot run on kernel \(kernel): \(reason)"
    case .unknownName(let kind, let name, let known):
      return "unknown \(kind) '\(name)'; known: \(known.joined(separator: ", "))"
    case .guestTimeout(let stage, let seconds, let tail):
      return "the guest did not \(stage) within \(Int(seconds)) s; console ends with:\n\(tail)"
    case .captureFailed(let method, let reason, let tail):
      return "capture \(method) failed: \(reason); console ends with:\n\(tail)"
    case .monitor(let socket, let reason):
      return "QEMU monitor \(socket): \(reason)"
    case .io(let path, let reason):
      return "\(path): \(reason)"
    case .aptSources(let path, let line, let reason):
      return "\(path):\(line): \(reason)"
    case .noDebianArchive(let missing, let searched, let option):
      let files = searched.isEmpty ? "no apt sources files" : searched.joined(separator: ", ")
      return
        "no Debian \(missing) in the host's apt sources (read: \(files)); give its URI with \(option) URI"
    }
  }

  /// The sysexits code the command line should exit with.
  public var exitCode: Int32 {
    switch self {
    case .unknownName, .notRunnable: return 64
    case .missingInput, .missingTool, .unresolvedPackage, .noDebianArchive: return 66
    case .aptSources: return 65
    case .io: return 74
    case .commandFailed, .guestTimeout, .captureFailed, .monitor: return 70
    }
  }
}
