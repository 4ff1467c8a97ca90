import Synchronization

/// One row of the table of crash kinds: how a report starts, how its title is
/// made and where its guilty frame is. Adding a kind is adding a row.
struct CrashKind: @unchecked Sendable {
  /// A substring of the line that starts the report (cheap test before `pattern`).
  let marker: String
  /// Regular expression over the header line (and `window` lines after it, joined
  /// by newlines); its capture groups fill `{1}`, `{2}` ... in `title`. Compiled the
  /// first time a line with the marker reaches it: compiling the whole table was a
  /// fifth of `examine` on a dump, whose log holds two or three headers.
  var pattern: Regex<AnyRegexOutput>? { compiled?.regex }
  private let compiled: LazyRegex?
  let patternSource: String
  /// Strings that any match of `pattern` holds (see `RequiredText`).
  let requiredText: [[String]]
  let window: Int
  /// `{n}` is capture group n, `{frame}` the guilty frame, `{file}` the file of a
  /// `at file.c:123` capture.
  let title: String
  /// Alternative titles for deduplication, same placeholders.
  let alternatives: [String]
  let stack: StackRule
  let skip: FramePatternList
  /// Formats that only catch damaged headers: their reports are always corrupted.
  let corrupted: Bool
  /// Lines that carry the marker but are known noise.
  let suppressions: [String]
  /// Kinds that do not end the report they appear in (they follow a real header).
  let continuesReport: Bool
  /// The title when the section an `.after` rule looks for is missing: the report
  /// is damaged, and its header alone names the kind.
  let bareTitle: String?

  init(
    _ marker: String, _ pattern: String? = nil, window: Int = 0, title: String,
    alt: [String] = [], stack: StackRule = .none, skip: [String] = [], corrupted: Bool = false,
    suppress: [String] = [], continuesReport: Bool = false, bareTitle: String? = nil
  ) {
    self.marker = marker
    self.patternSource = pattern ?? ""
    self.compiled = pattern.map(LazyRegex.init)
    self.requiredText = pattern.map(RequiredText.clauses(of:)) ?? []
    self.window = window
    self.title = title
    self.alternatives = alt
    self.stack = stack
    self.skip = skip.isEmpty ? GenericFrames.all : GenericFrames.all + skip
    self.corrupted = corrupted
    self.suppressions = suppress
    self.continuesReport = continuesReport
    self.bareTitle = bareTitle
  }
}

/// A regular expression compiled on first use, once, whichever thread asks (the
/// collector parses hosts' streams in parallel); nil when it does not compile.
final class LazyRegex: @unchecked Sendable {
  let source: String
  private let state = Mutex<Regex<AnyRegexOutput>??>(nil)

  init(_ source: String) { self.source = source }

  var regex: Regex<AnyRegexOutput>? {
    state.withLock { compiled in
      if let compiled { return compiled }
      let regex = try? Regex(source)
      compiled = .some(regex)
      return regex
    }
  }
}

/// Where the guilty frame of a kind is found.
enum StackRule: Sendable, Equatable {
  /// The title names no function.
  case none
  /// The first stack trace after the header.
  case trace
  /// The faulting instruction (`RIP:`, `pc :`, `PC is at`), then the trace.
  case ripThenTrace
  /// The trace that follows the first line containing this text.
  case after(String)
  /// The function of the first `at: func+0x1/0x2` lock site (lockdep reports).
  case lockSite
  /// A capture group of the pattern names the function.
  case capture(Int)
  /// A capture group names the function, and the report is whole without a trace
  /// (a panic message that names where it was raised).
  case named(Int)
  /// Stalls and lockups: the frame just above the first entry point (syscall,
  /// work item, timer, softirq), so that a loop's random position does not
  /// change the title.
  case stall
  /// Hard lockups: like `stall`, but the NMI that caught the CPU interrupted the
  /// code that kept interrupts off, an interrupt handler's included: an `<IRQ>`
  /// section is the loop, not the watchdog's timer as in a soft lockup.
  case nmiStall
  /// Hung tasks: skip the scheduler and wait primitives the task sleeps in.
  case hang
  /// Lockdep deadlocks: the `-> #0` chain when there is one, else the lock site.
  case lockdepDeadlock
}

extension StackRule {
  /// Whether a report of the kind lacks something when its trace is missing.
  var needsTrace: Bool {
    switch self {
    case .none, .named: false
    default: true
    }
  }
}
