/// Reads the stack traces of a report region: the faulting instruction line and
/// the frames that follow a trace start, up to what ends a trace.
struct StackTraceReader {
  let lines: [ConsoleLine]
  /// Indices into `lines`, the region of the report.
  let region: [Int]
  /// The frame of each region line, parsed once, when first asked for.
  private let cache: FrameCache

  final class FrameCache {
    var frames: [StackFrame??]
    init(count: Int) { frames = Array(repeating: nil, count: count) }
  }

  init(lines: [ConsoleLine], region: [Int]) {
    self.lines = lines
    self.region = region
    cache = FrameCache(count: region.count)
  }

  /// The frame on region line `position`, if it is one.
  func frame(at position: Int) -> StackFrame? {
    if let known = cache.frames[position] { return known }
    let frame = StackFrame.parse(lines[region[position]].text)
    cache.frames[position] = .some(frame)
    return frame
  }

  /// Lines that end a trace (x86 `show_trace_log_lvl()`, KASAN/KMSAN section heads,
  /// lockdep's sections, the oops end marker).
  static let terminators = [
    "Allocated by", "Freed by", "Uninit was", "Local variable", "Memory state", "The buggy address",
    "Last potentially", "Second to last", "Modules linked in", "---[ end", "Kernel Offset",
    "Showing all locks", "Sending NMI", "NMI backtrace", "Kernel panic", "INFO:", "irq event stamp",
    "hardirqs last", "softirqs last", "other info that", "Mem abort info", "Disabling lock debugging",
    "CPU: ", "Hardware name:", "Workqueue:", "rcu: ", "Object ", "Page ", "page:",
    "Dumping ftrace", "Rebooting in", "Unable to handle", "BUG: ", "WARNING: ", "Task dump",
  ]

  /// Frames of the first trace at or after region position `start`. Lines before
  /// the first frame are skipped (register dumps, raw stack words), but a section
  /// head that starts another trace stops the search.
  func frames(from start: Int) -> (frames: [StackFrame], end: Int) {
    var frames: [StackFrame] = []
    var position = start
    // ARM prints `(callee) from [<pc>] (caller+0x1/0x2)`: the caller of the last
    // line is a frame of its own.
    var pendingCaller: StackFrame?
    var inObjectDump = false
    while position < region.count {
      let text = lines[region[position]].text
      let trimmed = lines[region[position]].trimmed
      if frames.isEmpty, StackTraceReader.startsObjectDump(trimmed) || inObjectDump {
        inObjectDump = !StackTraceReader.endsObjectDump(trimmed)
        if inObjectDump {
          position += 1
          continue
        }
      }
      if let frame = frame(at: position) {
        if let caller = pendingCaller, caller.function != frame.function { frames.append(caller) }
        frames.append(frame)
        pendingCaller = StackTraceReader.armCaller(in: text)
      } else if frames.isEmpty {
        if position > start, StackTraceReader.stopsSearch(trimmed) { break }
      } else if trimmed.isEmpty || StackTraceReader.endsTrace(trimmed) {
        break
      }
      position += 1
    }
    if let caller = pendingCaller { frames.append(caller) }
    return (frames, position)
  }

  /// The `(caller+0x1/0x2)` of an ARM `(callee) from [<pc>] (caller+0x1/0x2)` line.
  static func armCaller(in text: String) -> StackFrame? {
    // The byte search first: the Character search below is slow, and finds nothing
    // where the bytes are absent (no other character is canonically equivalent to
    // one of these).
    guard text.contains(") from "), let from = text.range(of: ") from ") else { return nil }
    let rest = text[from.upperBound...]
    guard let open = rest.firstIndex(of: "(") else { return nil }
    return StackFrame.parseSymbol(rest[rest.index(after: open)...])
  }

  /// arm's `__show_regs()` (arch/arm/kernel/process.c) follows the registers with
  /// `Register r0 information:` and what `mem_dump_obj()` (mm/util.c) knows of the
  /// address: for a slab object, the stacks that allocated and freed it. Those frames
  /// are not the trace, which starts after the stack words (`Process`, `Stack:`).
  static func startsObjectDump(_ text: Substring) -> Bool {
    text.hasBytePrefix("Register ") && text.contains(" information:")
  }

  static let objectDumpEnds = ["Process ", "Stack:", "Backtrace:", "Call trace:", "Call Trace:", "Code:"]

  static func endsObjectDump(_ text: Substring) -> Bool {
    objectDumpEnds.contains { text.hasBytePrefix($0) }
  }

  static let searchStoppers = ["Allocated by", "Freed by", "---[ end", "Showing all locks", "Uninit was"]

  static func stopsSearch(_ text: Substring) -> Bool {
    guard let first = text.utf8.first, "AF-SU".utf8.contains(first) else { return false }
    return searchStoppers.contains { text.hasBytePrefix($0) }
  }

  /// First bytes of the terminators: most lines are rejected on their first byte.
  static let terminatorInitials = Set(terminators.compactMap { $0.utf8.first } + [UInt8(ascii: "R")])

  static func endsTrace(_ text: Substring) -> Bool {
    guard let first = text.utf8.first, terminatorInitials.contains(first) else { return false }
    if text.hasBytePrefix("RIP: 0033:") || text.hasBytePrefix("RIP: 0023:") { return true }
    return terminators.contains { text.hasBytePrefix($0) }
  }

  /// The report's call trace: the first trace after the header (KMSAN, KFENCE and
  /// kmemleak print theirs right there), unless that is a lone `... at:` site
  /// (`Preemption disabled at:`), then the frames of `Call Trace:` (x86, arm64)
  /// or `Backtrace:` (arm).
  func mainTrace() -> (frames: [StackFrame], end: Int) {
    let first = frames(from: 0)
    guard first.frames.count <= 1 else { return first }
    let heads = ["Call Trace:", "Call trace:", "Backtrace:"]
    if let start = (0..<region.count).first(where: { position in
      let text = lines[region[position]].trimmed
      return heads.contains { text.hasPrefix($0) }
    }) {
      let trace = frames(from: start + 1)
      if !trace.frames.isEmpty { return trace }
    }
    return first
  }

  /// Position (in the region) of the first line containing `needle`, from `start`.
  func position(of needle: String, from start: Int = 0) -> Int? {
    (start..<region.count).first { lines[region[$0]].text.contains(needle) }
  }

  /// The region position of the first frame line.
  func firstFramePosition() -> Int? {
    (0..<region.count).first { frame(at: $0) != nil }
  }

  /// The function of the faulting instruction: x86 `RIP: 0010:`/`IP:`, arm64
  /// `pc : `, arm `PC is at`, riscv `epc :`, powerpc `NIP [..]`, i386 `EIP:`.
  /// User-mode instruction pointers (`RIP: 0033:`) are not frames.
  func instructionPointer(from start: Int = 0, before end: Int? = nil) -> (StackFrame, Int)? {
    let last = min(end ?? region.count, region.count)
    guard start < last else { return nil }
    for position in start..<last {
      if let frame = StackTraceReader.instructionPointer(in: lines[region[position]].text) {
        return (frame, position)
      }
    }
    return nil
  }

  /// Register names of the faulting instruction, as each architecture's
  /// `show_regs()` prints them: x86 `RIP:`/`IP:`/`EIP:` (arch/x86/kernel/process_*.c,
  /// 2.6's `EIP is at`), arm64 `pc :` (arch/arm64/kernel/process.c), arm `PC is at`
  /// (arch/arm/kernel/process.c), riscv and mips `epc :` (arch/riscv/kernel/process.c,
  /// arch/mips/kernel/traps.c, which pads the name: `epc   :`), powerpc `NIP [..]`
  /// (arch/powerpc/kernel/process.c), s390 `Krnl PSW :` (arch/s390/kernel/dumpstack.c),
  /// sparc64 `TPC: <func+0x1/0x2>` and sparc32 `PC: <func+0x1/0x2>`
  /// (arch/sparc/kernel/process_64.c, process_32.c), m68k `PC: [<addr>] func+0x1/0x2`
  /// (arch/m68k/kernel/traps.c), alpha `pc is at func+0x1/0x2` (arch/alpha/kernel/traps.c
  /// `dik_show_regs()`), parisc `IAOQ[0]: func+0x1/0x2` (arch/parisc/kernel/traps.c
  /// `show_regs()`), LoongArch `ERA: <hex> func+0x1/0x2` (arch/loongarch/kernel/traps.c),
  /// ia64 `ip is at func+0x1/0x2` (arch/ia64/kernel/process.c).
  static let instructionPointerNames = [
    "RIP", "IP", "EIP is at", "EIP", "pc is at", "pc", "PC is at", "epc", "NIP", "Krnl PSW", "TPC", "PC",
    "IAOQ[0]", "ERA", "ip is at",
  ]

  /// The return address registers of the same dumps: arm `LR is at`, arm64 `lr :`,
  /// riscv and mips `ra :`, powerpc `LR [..]`, sparc `I7: <func+0x1/0x2>` (the
  /// caller's return address, arch/sparc/kernel/process_64.c). They name the caller of
  /// the faulting function when a report was cut before its trace; alpha's `ra is at`
  /// and parisc's `RP(r2):` too.
  static let linkRegisterNames = ["LR is at", "lr", "ra is at", "ra", "LR", "I7", "RP(r2)"]

  static func instructionPointer(in text: String) -> StackFrame? {
    if let frame = registerFrame(in: text, names: instructionPointerNames) { return frame }
    // A mail reflowed (format=flowed, a client that fills paragraphs) glues x86's
    // instruction pointer to the end of the line before it: `BIOS FD 02/26/2016 RIP:
    // 0010:rb_next+0x0/0x50`. Kernel code segments only (0010 on x86-64, 0060 on i386):
    // no other line holds ` RIP: 0010:`.
    for marker in [" RIP: 0010:", " EIP: 0060:"] {
      if let range = text.range(of: marker) {
        return registerFrame(in: String(text[text.index(after: range.lowerBound)...]), names: ["RIP", "EIP"])
      }
    }
    return nil
  }

  /// The stack pointer or link register line of each architecture's `show_regs()`,
  /// printed right after the instruction pointer.
  static let registerDumpHeads = [
    "RSP:", "ESP:", "esp:", "sp :", "LR is at", "lr :", "ra :", "GPR00:", "REGS:", "eax:", "EFLAGS:",
  ]

  /// Whether the register dump follows the instruction pointer line at `position`.
  func registerDumpFollows(_ position: Int) -> Bool {
    (position + 1..<min(region.count, position + 4)).contains { next in
      let text = lines[region[next]].trimmed
      return StackTraceReader.registerDumpHeads.contains { text.hasBytePrefix($0) }
    }
  }

  /// The function of the first link register line from region position `start`,
  /// before `end`.
  func linkRegister(from start: Int = 0, before end: Int? = nil) -> StackFrame? {
    let last = min(end ?? region.count, region.count)
    guard start < last else { return nil }
    for position in start..<last {
      if let frame = StackTraceReader.registerFrame(
        in: lines[region[position]].text, names: StackTraceReader.linkRegisterNames)
      {
        return frame
      }
    }
    return nil
  }

  /// First bytes of the register names: most lines are rejected on their first byte.
  static let registerInitials = Set(
    (instructionPointerNames + linkRegisterNames).compactMap { $0.utf8.first })

  /// `NAME: func+0x1/0x2`, `NAME   : <hex> func+0x1/0x2`, `NAME [<hex>] func+0x1/0x2`,
  /// `NAME is at func+0x1/0x2` for one of `names`.
  static func registerFrame(in text: String, names: [String]) -> StackFrame? {
    let trimmed = text.drop(while: { $0 == " " || $0 == "\t" })
    guard let first = trimmed.utf8.first, registerInitials.contains(first) else { return nil }
    guard let name = names.first(where: { trimmed.hasPrefix($0) }) else { return nil }
    var rest = trimmed.dropFirst(name.count)
    if name.hasSuffix(" at") {
      guard rest.first == " " else { return nil }
    } else {
      // `NAME:`, `NAME : `, `NAME   : ` or powerpc's `NIP [c000...] `, `LR [c000...] `.
      let afterSpaces = rest.drop(while: { $0 == " " })
      if afterSpaces.first == ":" {
        rest = afterSpaces.dropFirst()
      } else if afterSpaces.first == "[", rest.first == " " {
        rest = afterSpaces
      } else {
        return nil
      }
    }
    rest = rest.drop(while: { $0 == " " })
    if name == "RIP" || name == "IP" || name == "EIP" {
      // `RIP: 0010:func+0x1/0x2` or `RIP: 0010:[<ffffffff81000000>]  [<...>] func+0x1/0x2`
      if let colon = rest.firstIndex(of: ":"), rest.distance(from: rest.startIndex, to: colon) == 4 {
        let segment = rest[..<colon]
        if segment == "0033" || segment == "0023" || segment == "002b" || segment == "0073" { return nil }
        rest = rest[rest.index(after: colon)...]
      } else if name == "RIP" {
        // Without the segment only as a symbol with its offset (`RIP: func+0x24/0x26`, a
        // report abridged by hand), never a user address.
        return StackFrame.parseSymbol(rest)
      }
    }
    if name == "Krnl PSW" {
      // s390: `Krnl PSW : <mask> <address> (func+0x1/0x2 [module])`.
      guard let open = rest.firstIndex(of: "(") else { return nil }
      return StackFrame.parseSymbol(rest[rest.index(after: open)...])
    }
    // mips and riscv print the raw address before the symbol: `epc : 8003ab3c func+0x4/0xc`.
    // MediaTek's mrdump brackets it: `pc : [0xffffffd79598aefc] skb_segment+0xcd0/0xd14`.
    let words = rest.split(separator: " ", maxSplits: 1)
    if words.count == 2, words[0].allSatisfy(\.isHexDigit), words[0].count >= 8 {
      rest = words[1]
    } else if words.count == 2, words[0].hasPrefix("[0x"), words[0].hasSuffix("]"),
      words[0].dropFirst(3).dropLast().allSatisfy(\.isHexDigit)
    {
      rest = words[1]
    }
    // sparc prints the symbol in angle brackets: `TPC: <func+0x40/0x80>`.
    return StackFrame.parse(String(rest))
      ?? StackFrame.parseSymbol(rest.drop(while: { $0 == "[" || $0 == " " || $0 == "<" }))
  }
}
