import ArgumentParser
import Foundation
import Symbols

/// How `coroner symbolize` prints: the trace with locations appended, JSON, or the
/// llvm-symbolizer layout for `--addresses`.
enum SymbolizeOutput {
  /// decode_stacktrace.sh's layout (TraceAnnotation).
  static func text(_ lines: [TraceSymbolizer.Line], stripping prefixes: [String]) {
    FileHandle.standardOutput.write(Data(TraceAnnotation.text(lines, stripping: prefixes).utf8))
  }

  struct JSONLine: Encodable {
    var line: String
    var function: String?
    var offset: UInt64?
    var size: UInt64?
    var module: String?
    var reliable: Bool?
    var address: String?
    var source: [SourceFrame]?
    var problem: String?
  }

  static func json(_ lines: [TraceSymbolizer.Line]) throws {
    let records = lines.map { line in
      JSONLine(
        line: line.text, function: line.frame?.symbol, offset: line.frame?.offset, size: line.frame?.size,
        module: line.frame?.module, reliable: line.frame?.reliable,
        address: line.resolved.map { "0x" + String($0.address, radix: 16) }, source: line.resolved?.source,
        problem: line.problem)
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    FileHandle.standardOutput.write(try encoder.encode(records))
    FileHandle.standardOutput.write(Data("\n".utf8))
  }

  /// One address a line; prints `function` then `file:line:column` per inline level and
  /// an empty line, as `llvm-symbolizer --inlining` does.
  static func addresses(_ lines: [String], object: DebugObject, json: Bool) throws {
    var output = ""
    var records: [[SourceFrame]] = []
    for line in lines {
      let text = line.trimmingCharacters(in: .whitespaces)
      guard !text.isEmpty else { continue }
      let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
      guard let address = UInt64(digits, radix: 16) else {
        SymbolizeTerminal.error("error: '\(text)' is not a hexadecimal address")
        throw ExitCode(65)
      }
      let frames: [SourceFrame]
      do { frames = try object.frames(at: address) } catch {
        SymbolizeTerminal.error("error: \(error)")
        throw ExitCode(65)
      }
      records.append(frames)
      if frames.isEmpty { output += "??\n??:0:0\n" }
      for frame in frames {
        output += "\(frame.function ?? "??")\n\(frame.file ?? "??"):\(frame.line):\(frame.column)\n"
      }
      output += "\n"
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      FileHandle.standardOutput.write(try encoder.encode(records))
      FileHandle.standardOutput.write(Data("\n".utf8))
    } else {
      FileHandle.standardOutput.write(Data(output.utf8))
    }
  }
}
