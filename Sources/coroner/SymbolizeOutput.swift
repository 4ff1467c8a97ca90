import ArgumentParser
import Foundation
import Symbols

/// How `coroner symbolize` prints: the trace with locations appended, JSON, or the
/// llvm-symbolizer layout for `--addresses`.
enum SymbolizeOutput {
  /// decode_stacktrace.sh's layout: the frame line, then the innermost location; each
  /// level of inlining on its own line below, indented under the frame.
  static func text(_ lines: [TraceSymbolizer.Line], stripping prefixes: [String]) {
    func location(_ frame: SourceFrame) -> String {
      var file = frame.file ?? "??"
      if let prefix = prefixes.first(where: { file.hasPrefix($0) }) { file.removeFirst(prefix.count) }
      return "\(file):\(frame.line == 0 ? "?" : String(frame.line))"
    }
    var output = ""
    for line in lines {
      guard let frame = line.frame, let resolved = line.resolved, let innermost = resolved.source.first else {
        output += line.text + "\n"
        continue
      }
      let head = String(decoding: line.text.utf8.prefix(frame.end), as: UTF8.self)
      let tail = String(decoding: line.text.utf8.dropFirst(frame.end), as: UTF8.self)
      output += head + " " + location(innermost)
      if resolved.source.count > 1, let name = innermost.function { output += " (\(name) inlined)" }
      output += tail + "\n"
      let indent = String(repeating: " ", count: indentWidth(line.text, frame))
      for (index, caller) in resolved.source.enumerated().dropFirst() {
        let inner = resolved.source[index - 1].function ?? "??"
        output += indent + "\(inner) inlined into \(caller.function ?? "??") at \(location(caller))\n"
      }
    }
    FileHandle.standardOutput.write(Data(output.utf8))
  }

  /// Indent inlined lines two columns past where the frame's symbol starts.
  private static func indentWidth(_ text: String, _ frame: TraceFrameLine) -> Int {
    String(decoding: text.utf8.prefix(frame.start), as: UTF8.self).count + 2
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
