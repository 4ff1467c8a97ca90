/// x86-64's call traces before 2.6.24 (arch/x86_64/kernel/traps.c `show_trace()`) print
/// several frames to a line, each `<address>{symbol+decimal}`, the first on the
/// `Call Trace:` line itself:
///
///     Call Trace:<ffffffff8016eb2c>{drain_array_locked+188} <ffffffff80171119>{cache_reap+233}
///            <ffffffff80149581>{worker_thread+545} <ffffffff80171030>{cache_reap+0}
///
/// The report finder reads one frame a line, so such a line is cut into one line per
/// frame, the text before the first (`Call Trace:`) kept as a line of its own.
enum BraceFrameLine {
  /// The pieces of `text`, or nil when it holds fewer than two `<hex>{` frames and is
  /// no `Call Trace:` line (a line of one frame, or `RIP: 0010:[<..>] <..>{f+1}`, is
  /// read as it is).
  static func split(_ text: String) -> [String]? {
    guard text.utf8.contains(UInt8(ascii: "{")) else { return nil }
    let bytes = Array(text.utf8)
    var starts: [Int] = []
    var index = 0
    while index < bytes.count {
      if bytes[index] == UInt8(ascii: "<") {
        var end = index + 1
        while end < bytes.count, bytes[end].isHexDigit { end += 1 }
        if end > index + 1, end + 1 < bytes.count, bytes[end] == UInt8(ascii: ">"),
          bytes[end + 1] == UInt8(ascii: "{")
        {
          starts.append(index)
          index = end + 2
          continue
        }
      }
      index += 1
    }
    guard let first = starts.first else { return nil }
    let head = String(decoding: bytes[..<first], as: UTF8.self)
    guard starts.count >= 2 || head.hasSuffix("Call Trace:") else { return nil }
    var pieces: [String] = []
    if !head.allSatisfy({ $0 == " " || $0 == "\t" }) { pieces.append(head) }
    for (number, start) in starts.enumerated() {
      let end = number + 1 < starts.count ? starts[number + 1] : bytes.count
      pieces.append(" " + String(decoding: bytes[start..<end], as: UTF8.self).trimmingTrailingBlanks)
    }
    return pieces
  }
}

extension String {
  fileprivate var trimmingTrailingBlanks: String {
    var text = self
    while let last = text.last, last == " " || last == "\t" { text.removeLast() }
    return text
  }
}
