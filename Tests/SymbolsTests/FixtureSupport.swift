import Foundation
import TestSupport
import XCTest

@testable import Symbols

/// The committed DWARF fixtures (Fixtures/build-fixtures rebuilds them) and the
/// llvm-symbolizer layout the tests compare in.
enum Fixtures {
  static func path(_ name: String) throws -> String {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return url.appendingPathComponent(name).path
  }

  static func text(_ name: String) throws -> String {
    try String(contentsOfFile: path(name), encoding: .utf8)
  }

  static func addresses(_ name: String) throws -> [UInt64] {
    try text(name).split(separator: "\n").compactMap { UInt64($0.dropFirst(2), radix: 16) }
  }

  static let llvmSymbolizer = "/opt/swift/usr/bin/llvm-symbolizer"
}

/// One address's answer as `llvm-symbolizer --inlining` prints it: a function line and a
/// `file:line:column` line per frame, innermost first.
struct SymbolizerAnswer: Equatable, CustomStringConvertible {
  var frames: [String]

  init(frames: [SourceFrame]) {
    if frames.isEmpty {
      self.frames = ["?? ??:0:0"]
    } else {
      self.frames = frames.map { "\($0.function ?? "??") \($0.file ?? "??"):\($0.line):\($0.column)" }
    }
  }

  init(lines: [Substring]) {
    frames = stride(from: 0, to: lines.count - 1, by: 2).map { "\(lines[$0]) \(lines[$0 + 1])" }
  }

  /// Splits llvm-symbolizer's output into one answer per address (blank-line separated).
  static func parse(_ output: String) -> [SymbolizerAnswer] {
    output.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
      SymbolizerAnswer(lines: $0.split(separator: "\n"))
    }
  }

  var description: String { frames.joined(separator: " | ") }
}

/// A tool's standard output, `input` fed on its standard input (TestSupport's runner).
func runTool(_ executable: String, _ arguments: [String], input: String) throws -> String {
  String(decoding: try ToolRun.output(executable, arguments, input: Data(input.utf8)), as: UTF8.self)
}
