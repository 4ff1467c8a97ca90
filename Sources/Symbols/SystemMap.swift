/// Reading `System.map`, `nm` output and `/proc/kallsyms`: one symbol a line,
/// `ADDRESS TYPE NAME [MODULE]`, the address in hexadecimal without `0x`.
public enum SystemMap {
  public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var expected: String

    public var description: String { "\(path):\(line): expected \(expected)" }
  }

  /// Parses the text of a symbol map. `path` only names the source in errors.
  public static func parse(_ text: String, path: String = "System.map") throws -> SymbolTable {
    var symbols: [KernelSymbol] = []
    var lineNumber = 0
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      // /proc/kallsyms puts a tab before the module name.
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      if fields.isEmpty { continue }
      guard fields.count >= 3, let address = UInt64(fields[0], radix: 16) else {
        throw ParseError(path: path, line: lineNumber, expected: "'ADDRESS TYPE NAME'")
      }
      guard fields[1].count == 1, let type = fields[1].first, type.isLetter else {
        throw ParseError(path: path, line: lineNumber, expected: "a one-letter symbol type")
      }
      var module: String?
      if fields.count >= 4, fields[3].hasPrefix("["), fields[3].hasSuffix("]") {
        module = String(fields[3].dropFirst().dropLast())
      }
      symbols.append(
        KernelSymbol(address: address, type: type, name: String(fields[2]), module: module))
    }
    return SymbolTable(symbols)
  }

  /// Debian's kernel package ships a placeholder System.map whose only line says the
  /// real one is in the -dbg package; such a map holds no symbol.
  public static func isPlaceholder(_ text: String) -> Bool {
    !text.contains(" T ") && !text.contains(" t ")
  }
}
