/// One frame of a kernel stack trace as printk prints it: `%pS`/`%pB` gives
/// `function+0xoffset/0xsize [module]` (lib/vsprintf.c, kernel/kallsyms.c
/// `sprint_symbol()`); x86's `show_trace_log_lvl()` prefixes `? ` when the unwinder
/// only guessed (arch/x86/kernel/dumpstack.c); decode_stacktrace.sh appends
/// `file.c:line` and `[inline]` frames.
public struct StackFrame: Sendable, Hashable, Codable {
  public var function: String
  public var offset: UInt64?
  public var size: UInt64?
  public var module: String?
  /// False for `? ` frames (and PowerPC `(unreliable)`): a guess of the unwinder.
  public var reliable: Bool
  public var address: String?
  public var file: String?
  public var line: Int?
  public var inlined: Bool
  /// The whole inline chain at the frame's address, innermost first, when a
  /// symbolizer resolved it (the console gives one file:line at most).
  public var sources: [Source] = []

  public init(
    function: String, offset: UInt64? = nil, size: UInt64? = nil, module: String? = nil,
    reliable: Bool = true, address: String? = nil, file: String? = nil, line: Int? = nil,
    inlined: Bool = false
  ) {
    self.function = function
    self.offset = offset
    self.size = size
    self.module = module
    self.reliable = reliable
    self.address = address
    self.file = file
    self.line = line
    self.inlined = inlined
  }

  /// The name a title uses: compiler suffixes (`.cold.83`, `.isra.0`, `.part.1`)
  /// dropped, as the symbol is the same function.
  public var baseName: String {
    guard let dot = function.firstIndex(of: ".") else { return function }
    return String(function[..<dot])
  }
}

extension StackFrame {
  enum CodingKeys: String, CodingKey {
    case function, offset, size, module, reliable, address, source
  }

  /// Where a frame's code is, as decode_stacktrace.sh or `coroner symbolize` adds it.
  public struct Source: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int?
    public var inlined: Bool

    public init(file: String, line: Int?, inlined: Bool) {
      self.file = file
      self.line = line
      self.inlined = inlined
    }
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(function: try container.decode(String.self, forKey: .function))
    offset = try container.decodeIfPresent(UInt64.self, forKey: .offset)
    size = try container.decodeIfPresent(UInt64.self, forKey: .size)
    module = try container.decodeIfPresent(String.self, forKey: .module)
    reliable = try container.decodeIfPresent(Bool.self, forKey: .reliable) ?? true
    address = try container.decodeIfPresent(String.self, forKey: .address)
    let sources = try container.decodeIfPresent([Source].self, forKey: .source) ?? []
    if let source = sources.first {
      file = source.file
      line = source.line
      inlined = source.inlined
    }
    if sources.count > 1 { self.sources = sources }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(function, forKey: .function)
    try container.encode(offset, forKey: .offset)
    try container.encode(size, forKey: .size)
    try container.encode(module, forKey: .module)
    try container.encode(reliable, forKey: .reliable)
    try container.encode(address, forKey: .address)
    let source =
      sources.isEmpty ? file.map { [Source(file: $0, line: line, inlined: inlined)] } ?? [] : sources
    try container.encode(source, forKey: .source)
  }

  /// The frame as the kernel prints it: `func+0x1a/0x40 [module]`.
  public var printed: String {
    var text = function
    if let offset { text += "+0x" + String(offset, radix: 16) }
    if let size { text += "/0x" + String(size, radix: 16) }
    if let module { text += " [\(module)]" }
    return text
  }

  /// Parses a trace line (message text, prefix already removed), or nil if the
  /// line is not a frame.
  static func parse(_ text: String) -> StackFrame? {
    // A frame line starts with blanks, `[<`, `?`, `(` or a symbol character.
    guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x09 }),
      first.isSymbolByte || first == UInt8(ascii: "[") || first == UInt8(ascii: "?")
        || first == UInt8(ascii: "(") || first == UInt8(ascii: "<")
    else { return nil }
    var copy = text
    return copy.withUTF8 { bytes in
      var parser = FrameLineParser(bytes)
      return parser.parse()
    }
  }

  /// The function of `func+0x1/0x2` text anywhere (RIP lines, `at:` lines).
  static func parseSymbol(_ text: Substring) -> StackFrame? {
    var copy = String(text)
    return copy.withUTF8 { bytes in
      var parser = FrameLineParser(bytes)
      return parser.symbol(requireOffset: true)
    }
  }

  /// A whole `name+0xOFF[/0xSIZE]` token (`%pS`), as a symbolizer finds it in a line
  /// of any shape; nil when the token is anything else or has more after it.
  public static func symbolToken(_ token: Substring) -> StackFrame? {
    var copy = String(token)
    return copy.withUTF8 { bytes in
      var parser = FrameLineParser(bytes)
      guard let frame = parser.symbol(requireOffset: true), parser.isAtEnd else { return nil }
      return frame
    }
  }
}

/// Byte-level parser of one trace line; the bytes must outlive the parser (it
/// runs inside `withUTF8`, and every value it returns is a copy).
struct FrameLineParser {
  fileprivate let bytes: UnsafeBufferPointer<UInt8>
  fileprivate var index = 0

  init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  var isAtEnd: Bool { index >= bytes.count }

  fileprivate func byte(_ at: Int) -> UInt8? { at < bytes.count ? bytes[at] : nil }

  fileprivate mutating func skipSpaces() {
    while let b = byte(index), b == 0x20 || b == 0x09 { index += 1 }
  }

  private mutating func take(_ literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard index + count <= bytes.count else { return false }
    let start = literal.utf8Start
    for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
    index += count
    return true
  }

  /// Whether the bytes from `index` on start with `literal`.
  private func restStarts(with literal: StaticString) -> Bool {
    var probe = self
    return probe.take(literal)
  }

  /// Whether the bytes from `index` on contain `literal`.
  private func restContains(_ literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard count > 0, bytes.count - index >= count else { return false }
    let start = literal.utf8Start
    var position = index
    while position + count <= bytes.count {
      var offset = 0
      while offset < count, bytes[position + offset] == start[offset] { offset += 1 }
      if offset == count { return true }
      position += 1
    }
    return false
  }

  /// `[<ffffffff81000000>]`, `[c000000049a87a10]` or `<IRQ>`-style context tags.
  private mutating func skipAddressTokens() -> String? {
    var address: String?
    while true {
      skipSpaces()
      let start = index
      if take("[<") || take("[") {
        let hexStart = index
        while let b = byte(index), b.isHexDigit { index += 1 }
        let hexEnd = index
        if hexEnd > hexStart, take(">]") || take("]") {
          address = "0x" + String(decoding: bytes[hexStart..<hexEnd], as: UTF8.self)
          continue
        }
        // `[]`: a log copied through a web page whose HTML filter took `<c01de4f9>`
        // for a tag and dropped it.
        if hexEnd == hexStart, index == start + 1, take("]") { continue }
        // `[<(ptrval)>]`: 4.15 and 4.16 printed every `%p` hashed, and a pointer
        // printed before the hashing key was ready as `(ptrval)` (lib/vsprintf.c).
        if hexEnd == hexStart, index == start + 2, take("(ptrval)>]") { continue }
        index = start
        return address
      }
      if take("<IRQ>") || take("<EOI>") || take("<NMI>") || take("<TASK>") || take("<#DF>") {
        continue
      }
      // i386 of 2.6.16 to 2.6.18: `<c0149109> free_page_and_swap_cache+0x1b/0x2a` (an
      // address glued to a `{`, x86-64's form, is `braceFrame`'s).
      if byte(index) == UInt8(ascii: "<") {
        let hexStart = index + 1
        var hexEnd = hexStart
        while let b = byte(hexEnd), b.isHexDigit { hexEnd += 1 }
        if hexEnd - hexStart >= 8, byte(hexEnd) == UInt8(ascii: ">"), byte(hexEnd + 1) == 0x20 {
          address = "0x" + String(decoding: bytes[hexStart..<hexEnd], as: UTF8.self)
          index = hexEnd + 1
          continue
        }
      }
      return address
    }
  }

  mutating func parse() -> StackFrame? {
    // m68k and m32r print the first frame on the `Call Trace:` line itself (`pr_cont`
    // of ` [<%08lx>] %pS`, arch/m68k/kernel/traps.c `show_trace()`).
    skipSpaces()
    _ = take("Call Trace:")
    let address = skipAddressTokens()
    skipSpaces()
    var reliable = true
    if take("? ") {
      reliable = false
      skipSpaces()
    }
    if take("(") {
      // s390: `([<000003ff8086d036>] func+0x36/0x1000 [module])`, the return
      // address in r14, printed first and in parentheses by `show_trace()`.
      if let inner = skipAddressTokens() {
        skipSpaces()
        guard var frame = symbol(requireOffset: true) else { return nil }
        parseTail(&frame)
        frame.address = inner
        return frame
      }
      // ARM: `(callee) from [<pc>] (caller+0x10/0x14)`
      guard var frame = symbol(requireOffset: false), take(")"), frame.function != "null" else { return nil }
      frame.reliable = reliable
      frame.address = address
      return frame
    }
    if var frame = braceFrame() {
      // `{cache_reap+0}`: no call returns to a function's first byte; that word is a
      // function pointer left on the stack, which these kernels printed unmarked.
      frame.reliable = reliable && frame.offset != 0
      return frame
    }
    // 2.6's `%pS` of a module's symbol before 2.6.25: `:jbd2:kjournald2+0x9a/0x1ec`.
    let oldModule = oldStyleModule()
    guard var frame = symbol(requireOffset: oldModule != nil) else { return nil }
    if let oldModule { frame.module = oldModule }
    if frame.offset == nil, let location = decodedLocation() {
      // decode_stacktrace.sh since 5.17 replaces the offset with the source:
      // `func (fs/kernfs/mount.c:286)`, `func (include/linux/list.h:134 (discriminator 3))`.
      frame.file = location.file
      frame.line = location.line
      frame.inlined = restContains("[inline]")
      frame.reliable = reliable
      frame.address = address
      return frame
    }
    if frame.offset == nil {
      // Accept only the shapes that carry no offset: `f from g+0x1/0x2` (ARM since
      // 5.16) and `f file.c:12 [inline]` (decode_stacktrace.sh). m68k's `Stack from
      // 0086bf60:` heads raw stack words, not a caller.
      // A module's function names its module before the word: `f [mod] from g+0x1/0x2`.
      let module = moduleBeforeFrom()
      let armFrom = restStarts(with: " from ") && callerFollowsFrom()
      guard armFrom || (restContains("[inline]") && isInlineTail()) else { return nil }
      frame.inlined = !armFrom
      if let module { frame.module = module }
    }
    frame.reliable = reliable && !restContains("(unreliable)")
    frame.address = address
    parseTail(&frame)
    return frame
  }

  /// x86-64's frames before 2.6.24 (arch/x86_64/kernel/traps.c `printk_address()`):
  /// `<ffffffff8016eb2c>{drain_array_locked+188}`, the offset in decimal, a module's
  /// symbol as `{:ext3:ext3_get_block+45}`. nil, and `index` unmoved, for any other.
  private mutating func braceFrame() -> StackFrame? {
    guard byte(index) == UInt8(ascii: "<") else { return nil }
    let start = index
    index += 1
    let hexStart = index
    while let b = byte(index), b.isHexDigit { index += 1 }
    let hexEnd = index
    guard hexEnd > hexStart, take(">{") else {
      index = start
      return nil
    }
    let module = oldStyleModule()
    let nameStart = index
    while let b = byte(index), b.isSymbolByte { index += 1 }
    let nameEnd = index
    var offset: UInt64 = 0
    var digits = 0
    if take("+") {
      while let b = byte(index), b.isDigitByte, digits < 19 {
        offset = offset * 10 + UInt64(b - 0x30)
        index += 1
        digits += 1
      }
    }
    guard nameEnd > nameStart, let first = byte(nameStart), !first.isDigitByte, digits > 0, take("}") else {
      index = start
      return nil
    }
    var frame = StackFrame(function: String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self))
    frame.offset = offset
    frame.module = module
    frame.address = "0x" + String(decoding: bytes[hexStart..<hexEnd], as: UTF8.self)
    return frame
  }

  /// `:module:` before a symbol (kallsyms' `print_symbol()` of 2.6.24 and earlier); the
  /// index is moved past it.
  private mutating func oldStyleModule() -> String? {
    guard byte(index) == UInt8(ascii: ":") else { return nil }
    var probe = index + 1
    let start = probe
    while let b = byte(probe), b.isSymbolByte { probe += 1 }
    guard probe > start, byte(probe) == UInt8(ascii: ":") else { return nil }
    let module = String(decoding: bytes[start..<probe], as: UTF8.self)
    index = probe + 1
    return module
  }

  /// ` (path/file.c:12` right after the name, as decode_stacktrace.sh prints it.
  private func decodedLocation() -> SourceLocation? {
    var probe = index
    guard probe + 2 < bytes.count, bytes[probe] == 0x20, bytes[probe + 1] == UInt8(ascii: "(") else {
      return nil
    }
    probe += 2
    let start = probe
    while probe < bytes.count, bytes[probe] != 0x20, bytes[probe] != UInt8(ascii: ")") { probe += 1 }
    return SourceLocation(String(decoding: bytes[start..<probe], as: UTF8.self))
  }

  /// ` [module]` right before ` from `: the index is moved past it.
  private mutating func moduleBeforeFrom() -> String? {
    var probe = self
    guard probe.take(" [") else { return nil }
    let start = probe.index
    while let b = probe.byte(probe.index), b.isSymbolByte { probe.index += 1 }
    guard probe.index > start, probe.take("]"), probe.restStarts(with: " from ") else { return nil }
    let module = String(decoding: bytes[start..<probe.index - 1], as: UTF8.self)
    self = probe
    return module
  }

  /// ` from g+0x1/0x2`: a symbol with its offset after the word.
  private func callerFollowsFrom() -> Bool {
    var probe = self
    guard probe.take(" from ") else { return false }
    probe.skipSpaces()
    return probe.symbol(requireOffset: true) != nil
  }

  /// ` path/file.c:12 [inline]` and nothing else.
  private func isInlineTail() -> Bool {
    let rest = String(decoding: UnsafeBufferPointer(rebasing: bytes[index...]), as: UTF8.self)
    let words = rest.split(separator: " ")
    return words.count == 2 && words[1] == "[inline]" && SourceLocation(String(words[0])) != nil
  }

  /// `name`, then `+0xoff/0xsize` (required when `requireOffset`).
  mutating func symbol(requireOffset: Bool) -> StackFrame? {
    // ppc64 ELFv1 names the code of a function `.name` (the plain name is its
    // function descriptor): the dot is not part of the function's name.
    while byte(index) == UInt8(ascii: "."), let next = byte(index + 1), next.isSymbolByte, next != 0x2E {
      index += 1
    }
    let start = index
    while let b = byte(index), b.isSymbolByte { index += 1 }
    guard index > start, let first = byte(start), !first.isDigitByte else { return nil }
    let name = String(decoding: bytes[start..<index], as: UTF8.self)
    var frame = StackFrame(function: name)
    let beforeOffset = index
    // `+0×83/0×d7`: a log copied through a web page whose publishing tool retyped
    // an `x` between digits as U+00D7 (WordPress's texturize).
    if take("+0x") || take("+0\u{D7}") {
      frame.offset = hex()
      if take("/0x") || take("/0\u{D7}") { frame.size = hex() }
      if frame.offset == nil { index = beforeOffset }
    }
    if frame.offset == nil && requireOffset { return nil }
    return frame
  }

  private mutating func hex() -> UInt64? {
    var value: UInt64 = 0
    let start = index
    while let b = byte(index), b.isHexDigit, index - start < 16 {
      value = value << 4 | UInt64(b.hexValue)
      index += 1
    }
    return index > start ? value : nil
  }

  /// ` [module]`, ` [module buildid]`, ` path/file.c:12`, ` [inline]`.
  private mutating func parseTail(_ frame: inout StackFrame) {
    while true {
      skipSpaces()
      guard index < bytes.count else { return }
      if take("[inline]") {
        frame.inlined = true
        continue
      }
      if byte(index) == UInt8(ascii: "[") {
        guard let words = bracketWords() else { return }
        frame.module = words.first.map(String.init)
        continue
      }
      let start = index
      while let b = byte(index), b != 0x20 { index += 1 }
      let token = String(decoding: bytes[start..<index], as: UTF8.self)
      if let location = SourceLocation(token) {
        frame.file = location.file
        frame.line = location.line
        continue
      }
      return
    }
  }
}

extension FrameLineParser {
  /// The words inside `[...]` at `index`, and `index` moved past the `]`; nil (and
  /// `index` unmoved) when no bracket closes.
  mutating func bracketWords() -> [Substring]? {
    guard byte(index) == UInt8(ascii: "[") else { return nil }
    let start = index + 1
    guard let close = bytes[start...].firstIndex(of: UInt8(ascii: "]")) else { return nil }
    index = close + 1
    return String(decoding: bytes[start..<close], as: UTF8.self).split(separator: " ")
  }

  /// ` [module]` or ` [module buildid]` from `index`.
  mutating func moduleTag() -> StackFrame.ModuleTag? {
    skipSpaces()
    guard let words = bracketWords(), let module = words.first else { return nil }
    return StackFrame.ModuleTag(
      module: String(module), buildID: words.count > 1 ? String(words[1]) : nil, end: index)
  }
}

extension StackFrame {
  /// The `[module]` or `[module buildid]` that `%pB` prints after a module's symbol
  /// (kernel/kallsyms.c `__sprint_symbol()`; the build id with
  /// CONFIG_STACKTRACE_BUILD_ID).
  public struct ModuleTag: Sendable, Equatable {
    public var module: String
    public var buildID: String?
    /// The UTF-8 offset just past the `]`.
    public var end: Int
  }

  /// The module tag at the start of `bytes`, after blanks: the same reading as a
  /// frame line's tail. `end` counts from the slice's start.
  public static func moduleTag(_ bytes: ArraySlice<UInt8>) -> ModuleTag? {
    bytes.withUnsafeBufferPointer { buffer in
      var parser = FrameLineParser(buffer)
      return parser.moduleTag()
    }
  }
}

/// `net/core/dev.c:123` or `net/core/dev.c:123:4`, or `net/core/dev.c:?` where
/// addr2line found the file but no line (decode_stacktrace.sh prints what it says).
struct SourceLocation {
  var file: String
  var line: Int?

  /// `./a/b.c` and `arch/x86/kvm/../../../virt/kvm/eventfd.c` as the plain path.
  static func normalize(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == "..", !parts.isEmpty, parts.last != ".." {
        parts.removeLast()
        continue
      }
      parts.append(part)
    }
    return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
  }

  init?(_ token: String) {
    let parts = token.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count >= 2, parts[1] == "?" || Int(parts[1]) != nil, parts[0].contains("."),
      !parts[0].hasPrefix("0x")
    else { return nil }
    let line = Int(parts[1])
    self.file = SourceLocation.normalize(String(parts[0]))
    self.line = line
  }
}

extension UInt8 {
  var isHexDigit: Bool {
    (self >= 0x30 && self <= 0x39) || (self >= 0x61 && self <= 0x66) || (self >= 0x41 && self <= 0x46)
  }
  var hexValue: UInt8 {
    if self <= 0x39 { return self &- 0x30 }
    return (self | 0x20) &- 0x61 &+ 10
  }
  var isDigitByte: Bool { self >= 0x30 && self <= 0x39 }
  var isSymbolByte: Bool {
    (self >= 0x30 && self <= 0x39) || ((self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A)
      || self == UInt8(ascii: "_") || self == UInt8(ascii: ".") || self == UInt8(ascii: "$")
  }
}
