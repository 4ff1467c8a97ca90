import ArgumentParser
import Foundation
import Symbols

/// How `coroner symbolize` prints: the trace with locations appended, JSON, or the
/// llvm-symbolizer layout for `--addresses`.
enum SymbolizeOutput {
  /// Annotated lines written as they are made: decode_stacktrace.sh's layout
  /// (TraceAnnotation), or a JSON array one element a line.
  struct Stream {
    let json: Bool
    let stripping: [String]
    var written = 0

    init(json: Bool, stripping: [String]) {
      self.json = json
      self.stripping = stripping
      if json { FileHandle.standardOutput.write(Data("[".utf8)) }
    }

    mutating func write(_ lines: [TraceSymbolizer.Line]) throws {
      guard !lines.isEmpty else { return }
      if !json {
        FileHandle.standardOutput.write(Data(TraceAnnotation.text(lines, stripping: stripping).utf8))
        return
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      var text = Data()
      for line in lines {
        text.append(Data((written == 0 ? "\n" : ",\n").utf8))
        text.append(try encoder.encode(SymbolizeOutput.record(line)))
        written += 1
      }
      FileHandle.standardOutput.write(text)
    }

    func finish() {
      if json { FileHandle.standardOutput.write(Data("\n]\n".utf8)) }
    }
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

  static func record(_ line: TraceSymbolizer.Line) -> JSONLine {
    JSONLine(
      line: line.text, function: line.frame?.symbol, offset: line.frame?.offset, size: line.frame?.size,
      module: line.frame?.module, reliable: line.frame?.reliable,
      address: line.resolved.map { "0x" + String($0.address, radix: 16) }, source: line.resolved?.source,
      problem: line.problem)
  }

  /// One address a line; prints `function` then `file:line:column` per inline level and
  /// an empty line, as `llvm-symbolizer --inlining` does.
  static func addresses(_ lines: TraceLines, object: DebugObject, json: Bool) throws {
    var output = ""
    var records: [[SourceFrame]] = []
    for line in lines {
      // Written as it grows: a million addresses never sit in memory at once.
      if output.utf8.count >= 1 << 20 {
        FileHandle.standardOutput.write(Data(output.utf8))
        output = ""
      }
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
