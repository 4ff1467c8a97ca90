import KernelLog

/// A console line that names code as `func+0xOFF/0xSIZE` (`%pS`/`%pB`, lib/vsprintf.c),
/// in any of the shapes traces print it (arch/x86/kernel/dumpstack.c and others):
///
///     [   12.345678]  ? ext4_readdir+0x1a/0x40 [ext4]
///     RIP: 0010:det_oops_init+0x12/0x340 [det_oops]
///     WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 foo+0x5/0x20
///     [<ffffffff8102a4f1>] (panic+0x10/0x1f0)
public struct TraceFrameLine: Sendable, Hashable {
  public var symbol: String
  public var offset: UInt64
  public var size: UInt64?
  public var module: String?
  public var moduleBuildID: String?
  /// False for `? ` entries: stack words the unwinder did not vouch for.
  public var reliable: Bool
  /// True when the frame is a return address of a call trace, false for an instruction
  /// pointer (`RIP:`, `pc :`, the `at`/`in` of a warning or report title).
  public var isReturnAddress: Bool
  /// Where the symbol token starts and where it (with its module) ends in the line,
  /// as UTF-8 offsets, for annotating after it and indenting under it.
  public var start: Int
  public var end: Int

  public static func parse(_ line: String) -> TraceFrameLine? {
    let bytes = Array(line.utf8)
    var tokens: [(start: Int, end: Int)] = []
    var index = 0
    while index < bytes.count {
      while index < bytes.count, isSpace(bytes[index]) { index += 1 }
      let start = index
      while index < bytes.count, !isSpace(bytes[index]) { index += 1 }
      if index > start { tokens.append((start, index)) }
    }
    for (position, token) in tokens.enumerated() {
      guard var frame = symbolToken(Array(bytes[token.start..<token.end])) else { continue }
      frame.start = token.start
      frame.end = token.end
      let before = tokens[..<position].map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
      frame.reliable = before.last != "?"
      frame.isReturnAddress = before.allSatisfy { isTimestampOrMarker($0) }
      // `[module]`, `[module buildid]`, and the `)` that closes an s390 frame after it.
      if let tag = StackFrame.moduleTag(bytes[token.end...]) {
        frame.module = tag.module
        frame.moduleBuildID = tag.buildID
        frame.end = token.end + tag.end
        if frame.end < bytes.count, bytes[frame.end] == UInt8(ascii: ")") { frame.end += 1 }
      }
      return frame
    }
    return nil
  }

  /// Tokens that may stand before a call-trace entry: a timestamp, `?`, a raw `[<addr>]`,
  /// a log level `<4>`, a caller id `[T123]`/`[C1]`.
  private static func isTimestampOrMarker(_ token: String) -> Bool {
    if token == "?" { return true }
    if token.hasPrefix("[") || token.hasSuffix("]") || token.hasPrefix("<") { return true }
    return token.allSatisfy { $0.isNumber || $0 == "." }
  }

  /// `[(]SEG:]name+0xOFF[/0xSIZE][)]`: the brackets and the code segment of `RIP:`
  /// lines stripped, the symbol read by KernelLog's frame parser.
  private static func symbolToken(_ raw: [UInt8]) -> TraceFrameLine? {
    var token = raw[...]
    while let first = token.first, first == UInt8(ascii: "(") { token = token.dropFirst() }
    while let last = token.last, last == UInt8(ascii: ")") || last == UInt8(ascii: ",") {
      token = token.dropLast()
    }
    guard let plus = token.lastIndex(of: UInt8(ascii: "+")) else { return nil }
    if let colon = token[..<plus].lastIndex(of: UInt8(ascii: ":")) {
      let segment = token[..<colon]
      guard !segment.isEmpty, segment.allSatisfy({ isHexDigit($0) }) else { return nil }
      token = token[(colon + 1)...]
    }
    guard let frame = StackFrame.symbolToken(Substring(decoding: token, as: UTF8.self)),
      let offset = frame.offset
    else { return nil }
    return TraceFrameLine(
      symbol: frame.function, offset: offset, size: frame.size, module: nil, moduleBuildID: nil,
      reliable: true, isReturnAddress: true, start: 0, end: 0)
  }

  /// Space, tab and the carriage return of serial consoles.
  private static func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0d
  }

  private static func isHexDigit(_ byte: UInt8) -> Bool {
    (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
  }

}

extension TraceFrameLine {
  /// A frame from its parts: `symbol+offset/size [module]`, a return address of a
  /// call trace unless `isReturnAddress` is false (the faulting instruction).
  public init(
    symbol: String, offset: UInt64, size: UInt64? = nil, module: String? = nil, reliable: Bool = true,
    isReturnAddress: Bool = true
  ) {
    self.init(
      symbol: symbol, offset: offset, size: size, module: module, moduleBuildID: nil, reliable: reliable,
      isReturnAddress: isReturnAddress, start: 0, end: 0)
  }
}
