import Foundation

/// The drgn references in scripts/ (drgn-tasks, drgn-pages): each runs under the system's
/// python3 with python3-drgn and prints one JSON object.
public enum DrgnScript {
  static let python = "/usr/bin/python3"

  /// The JSON object scripts/`name` prints for `arguments`; python3-drgn not installed is a
  /// missing input.
  public static func run(_ name: String, _ arguments: [String]) throws -> [String: Any] {
    guard try ToolRun.launch(python, ["-c", "import drgn"]).succeeded else {
      throw TestInput.missing("python3-drgn", makeWith: "scripts/install-prerequisites")
    }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../scripts/\(name)").standardized.path
    let data = try ToolRun.output(python, [script] + arguments)
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw ScriptOutput(script: name)
    }
    return object
  }

  struct ScriptOutput: Error, CustomStringConvertible {
    var script: String
    var description: String { "scripts/\(script) printed no JSON object" }
  }
}
