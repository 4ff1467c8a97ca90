/// A record as the report finder sees it: its text and its context, the stream it
/// belongs to. With CONFIG_PRINTK_CALLER the context is the caller (`T123`, `C1`), so
/// reports printed concurrently by several CPUs can be told apart; a timestamp alone
/// gives the `console` context; a line with neither (a program's own output mixed
/// into a console capture) has the empty context.
struct ConsoleLine {
  let text: String
  let context: String
  let record: Int

  init(_ record: LogRecord, index: Int) {
    text = record.text
    context = ConsoleLine.context(of: record)
    self.record = index
  }

  init(text: String, context: String, record: Int) {
    self.text = text
    self.context = context
    self.record = record
  }

  /// The context of a record's lines (`foreign` for another program's syslog line).
  static func context(of record: LogRecord) -> String {
    if record.isForeign { return "foreign" }
    if let caller = record.caller { return caller.description }
    return record.timestampNanoseconds == nil ? "" : "console"
  }

  var isCPUContext: Bool { context.hasPrefix("C") }

  /// The text without leading blanks.
  var trimmed: Substring {
    let utf8 = text.utf8
    let start = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) ?? utf8.endIndex
    return text[start...]
  }
}
