/// Applies a kind's `StackRule` to a report region: the report's main trace and
/// the first frame in it that is not generic machinery.
struct GuiltyFrameFinder {
  let reader: StackTraceReader
  let kind: CrashKind

  struct Result {
    var frames: [StackFrame] = []
    var guilty: StackFrame?
  }

  func find(header: ReportHeader) -> Result {
    switch kind.stack {
    case .none:
      // The title names no function, but the report still has a culprit.
      return firstUseful(reader.mainTrace().frames)
    case .capture(let group):
      let named = StackFrame(function: header.capture(group))
      return Result(frames: reader.frames(from: 1).frames, guilty: named)
    case .named(let group):
      let named = StackFrame(function: header.capture(group))
      return Result(frames: reader.mainTrace().frames, guilty: named)
    case .trace:
      let result = firstUseful(reader.mainTrace().frames)
      guard result.guilty == nil, let headerFrame = headerSymbol(), !kind.skip.matches(headerFrame.function)
      else { return result }
      return Result(frames: result.frames, guilty: headerFrame)
    case .ripThenTrace:
      return ripThenTrace()
    case .after(let needle):
      guard let start = reader.position(of: needle) else { return lockSite() }
      let result = firstUseful(reader.frames(from: start + 1).frames)
      return result.guilty == nil ? lockSite() : result
    case .lockSite:
      return lockSite()
    case .lockdepDeadlock:
      if let start = reader.position(of: "-> #0") {
        return firstUseful(reader.frames(from: start + 1).frames)
      }
      return lockSite()
    case .stall:
      return StallFrames.find(reader: reader, skip: kind.skip)
    case .nmiStall:
      return StallFrames.find(reader: reader, skip: kind.skip, interruptLoops: true)
    case .hang:
      return HungTaskFrames.find(reader: reader, skip: kind.skip)
    }
  }

  /// The first reliable frame the kind does not skip. A frame a symbolizer added for
  /// inlined code (`func file.c:12 [inline]`, syzbot's reports) is not in the trace the
  /// kernel printed, where syzkaller titles the report: the function it was inlined
  /// into is taken, unless only inlined frames are left.
  private func firstUseful(_ frames: [StackFrame]) -> Result {
    let useful = { (frame: StackFrame) in frame.reliable && !kind.skip.matches(frame.function) }
    return Result(
      frames: frames, guilty: frames.first { useful($0) && !$0.inlined } ?? frames.first(where: useful))
  }

  /// The faulting function, then the trace. A report cut before its trace (a
  /// paste that stops at the register dump) still names the caller in the link
  /// register; with nothing but those two and the register dump printed whole, a
  /// machinery function is still the best name the report holds. A bare `IP:` line
  /// with nothing after it stays a damaged report, as syzkaller judges it.
  private func ripThenTrace() -> Result {
    var frames: [StackFrame] = []
    let trace = reader.frames(from: 1)
    guard let (rip, ripPosition) = reader.instructionPointer(from: 0) else {
      // A jump to a bad address leaves no symbol in the instruction pointer (arm64
      // `pc : 0xffff...`): the link register names the function that jumped.
      if trace.frames.isEmpty, let caller = reader.linkRegister() { return firstUseful([caller]) }
      return firstUseful(trace.frames)
    }
    frames.append(rip)
    // syzbot's symbolizer prints one `RIP: 0010:func file.c:12 [inline]` line per
    // inlined function before the line of the function that holds them.
    var position = ripPosition
    while frames.last?.inlined == true,
      let (next, nextPosition) = reader.instructionPointer(from: position + 1, before: position + 2)
    {
      frames.append(next)
      position = nextPosition
    }
    let rest = position < trace.end ? trace.frames : reader.frames(from: position + 1).frames
    frames += rest
    let hasTrace = rest.contains { $0 != rip && $0.function != rip.function }
    if !hasTrace, let caller = reader.linkRegister(from: position), caller.function != rip.function {
      frames.append(caller)
    }
    let result = firstUseful(frames)
    if result.guilty == nil, !hasTrace, rip.reliable, reader.registerDumpFollows(position) {
      return Result(frames: frames, guilty: rip)
    }
    return result
  }

  /// `WARNING: CPU: 0 PID: 1 at net/core/dev.c:1 func+0x1/0x2` names the function.
  private func headerSymbol() -> StackFrame? {
    let text = reader.lines[reader.region[0]].text
    // `BUG: KASAN: use-after-free in dst_destroy (net/core/dst.c:118)`: a header
    // decoded by decode_stacktrace.sh names the function before its source.
    if let inWord = text.range(of: " in ", options: .backwards), text.hasSuffix(")") || text.hasSuffix(") "),
      let frame = StackFrame.parse(String(text[inWord.upperBound...])), frame.file != nil
    {
      return frame
    }
    guard let plus = text.range(of: "+0x") else { return nil }
    let start = text[..<plus.lowerBound].lastIndex(where: { $0 == " " || $0 == "]" || $0 == ":" })
    let from = start.map { text.index(after: $0) } ?? text.startIndex
    return StackFrame.parseSymbol(text[from...])
  }

  /// The first `at: func+0x1/0x2` of a lockdep report (lock sites are printed by
  /// `print_lock()` in kernel/locking/lockdep.c), or the frame on the next line
  /// when `at:` ends the line.
  private func lockSite() -> Result {
    let region = reader.region
    for (position, index) in region.enumerated() {
      let text = reader.lines[index].text
      guard text.contains("at:"), let at = text.range(of: "at:", options: .backwards) else { continue }
      var rest = text[at.upperBound...].drop(while: { $0 == " " })
      if rest.isEmpty, position + 1 < region.count {
        rest = Substring(reader.lines[region[position + 1]].text)
      }
      if let frame = StackFrame.parse(String(rest)), frame.offset != nil,
        !kind.skip.matches(frame.function)
      {
        return Result(frames: reader.frames(from: position + 1).frames, guilty: frame)
      }
    }
    // Every site a locking primitive: the task's trace, which lockdep prints after
    // `stack backtrace:` (kernel/locking/lockdep.c), past the lock lines above it.
    if let start = reader.position(of: "stack backtrace:") {
      let result = firstUseful(reader.frames(from: start + 1).frames)
      if result.guilty != nil { return result }
    }
    return firstUseful(reader.mainTrace().frames)
  }
}

extension String {
  func range(of needle: String, options: BackwardsOption) -> Range<Index>? {
    var result: Range<Index>?
    var search = startIndex..<endIndex
    while let found = self[search].firstRange(of: needle) {
      result = found
      search = found.upperBound..<endIndex
    }
    return result
  }

  func range(of needle: String) -> Range<Index>? { firstRange(of: needle) }

  enum BackwardsOption { case backwards }
}

extension ReportHeader {
  /// Capture group `group` of the header's pattern, or empty.
  func capture(_ group: Int) -> String {
    group >= 1 && group - 1 < captures.count ? captures[group - 1] : ""
  }
}
