/// The annotated trace as text, in decode_stacktrace.sh's layout: each frame line
/// followed by the innermost source location; each level of inlining on its own line
/// below, indented under the frame's symbol.
///
///     [    2.282836]  dump_stack_lvl+0x44/0x5c lib/dump_stack.c:91 (__dump_stack inlined)
///                       __dump_stack inlined into dump_stack_lvl at lib/dump_stack.c:109
public enum TraceAnnotation {
  /// `prefixes` are build directories taken off the front of source paths.
  public static func text(_ lines: [TraceSymbolizer.Line], stripping prefixes: [String] = []) -> String {
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
      // A serial console's "\r" would end the line before the annotation.
      var tail = Array(line.text.utf8.dropFirst(frame.end))[...]
      while tail.last == 0x0d || tail.last == 0x20 { tail = tail.dropLast() }
      output += head + " " + location(innermost)
      if resolved.source.count > 1, let name = innermost.function { output += " (\(name) inlined)" }
      output += String(decoding: tail, as: UTF8.self) + "\n"
      // Two columns past where the frame's symbol starts.
      let indent = String(
        repeating: " ", count: String(decoding: line.text.utf8.prefix(frame.start), as: UTF8.self).count + 2)
      for (index, caller) in resolved.source.enumerated().dropFirst() {
        let inner = resolved.source[index - 1].function ?? "??"
        output += indent + "\(inner) inlined into \(caller.function ?? "??") at \(location(caller))\n"
      }
    }
    return output
  }
}
