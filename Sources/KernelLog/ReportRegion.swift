/// The lines that belong to one report: those of the header's context (its
/// caller with CONFIG_PRINTK_CALLER), plus every CPU's lines once an all-CPU
/// backtrace starts (`Sending NMI from CPU`, lib/nmi_backtrace.c).
struct ReportRegion {
  /// Indices into the line list, in order, the header first.
  var lines: [Int]
  /// Lines of the region that say the kernel panicked.
  var panicked: Bool
  /// The lines ran out before the report ended: a window of a larger log must grow.
  var reachedEnd = false

  static let maximumLines = 1500
  /// Lines after a header without a context that may give it theirs.
  static let contextLookahead = 2
  /// A `Kernel panic` line this far into a report ends it: before that it is the
  /// panic_on_warn panic printed between the header and the trace.
  static let panicEndsAfter = 22
  /// Lines without a frame that end a report once it has shown a trace.
  static let quietLinesEnd = 400
  /// Lines of other contexts (other tasks' and CPUs' output) that end a report when none
  /// of its own comes among them: a task that prints again much later is not continuing
  /// the report, and a window of the log sees what the whole log sees.
  static let otherLinesEnd = 400

  /// A line that starts with the blanks dmesg puts under a timestamp (`[ 7247.055196] `
  /// is 15 columns wide, eight is the least of any timestamp's width).
  static func isIndentedRest(_ text: String) -> Bool {
    text.utf8.prefix(8).elementsEqual(repeatElement(0x20, count: 8))
  }

  /// A cheap test for `func+0x1/0x2`: enough to tell traces from other output.
  static func looksLikeFrame(_ text: String) -> Bool {
    text.contains("+0x")
  }

  static func collect(
    from header: ReportHeader, in lines: [ConsoleLine], consumed: [Bool], matcher: HeaderMatcher
  ) -> ReportRegion {
    // A paste whose selection started inside the header line's prefix (` 9436.26][
    // C4] Unable to handle ...`), or a program's output that overwrote it (`[  OK  ]
    // Started    75.793015] BUG: ...`), leaves the header without a timestamp or caller
    // before the lines that have them: it belongs to them. A mail client may have
    // wrapped the header's own line first.
    var context = lines[header.line].context
    let next = lines[(header.line + 1)..<min(header.line + 1 + contextLookahead, lines.count)].first {
      !$0.context.isEmpty
    }
    if context.isEmpty, let next, next.context != "foreign" {
      context = next.context
    }
    var region = ReportRegion(lines: [header.line], panicked: false)
    var acceptCPUs = false
    var onlyHeaders = true
    var sawFrame = false
    var linesSinceFrame = 0
    var otherLines = 0
    var index = header.line + 1
    var ended = false
    while index < lines.count, region.lines.count < maximumLines {
      defer { index += 1 }
      let line = lines[index]
      if line.text.contains("Sending NMI from CPU") || line.text.contains("NMI backtrace for cpu") {
        acceptCPUs = true
      }
      // Lines printed with KERN_CONT (old kernels' `print_trace_address()`) reach dmesg
      // without a timestamp of their own: a frame line without any prefix continues a
      // console report. So does a line dmesg indents under the text of the record before
      // (util-linux prints a record's later lines so: lockdep's `printk("\n... which
      // became %s-irq-safe at:\n")`).
      let continuation =
        context == "console" && line.context.isEmpty
        && (ReportRegion.looksLikeFrame(line.text) || ReportRegion.isIndentedRest(line.text))
      guard !consumed[index], line.context == context || continuation || (acceptCPUs && line.isCPUContext)
      else {
        otherLines += 1
        if otherLines >= otherLinesEnd {
          ended = true
          break
        }
        continue
      }
      otherLines = 0
      if line.text.contains("---[ end Kernel panic") {
        region.lines.append(index)
        region.panicked = true
        ended = true
        break
      }
      let isPanic = line.text.contains("Kernel panic - not syncing")
      if isPanic && region.lines.count > panicEndsAfter {
        ended = true
        break
      }
      if !isPanic, let next = matcher.header(at: index, in: lines), !next.kind.continuesReport {
        // decode_stacktrace.sh repeats the header once per inlined frame.
        let repeated = onlyHeaders && next.kind.title == header.kind.title
        if !repeated {
          ended = true
          break
        }
      } else {
        onlyHeaders = false
      }
      region.lines.append(index)
      if isPanic { region.panicked = true }
      // A report is its traces: a long stretch without a frame after one was seen
      // is other output (a fuzzer's programs, a shell), not this report.
      if ReportRegion.looksLikeFrame(line.text) {
        sawFrame = true
        linesSinceFrame = 0
      } else {
        linesSinceFrame += 1
        if sawFrame && linesSinceFrame >= quietLinesEnd {
          ended = true
          break
        }
      }
      if line.text.contains("---[ end trace") || line.text.contains("---[ end Kernel panic") {
        ended = true
        break
      }
    }
    region.reachedEnd = !ended && region.lines.count < maximumLines
    return region
  }
}
