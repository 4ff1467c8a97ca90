/// Call traces of 2.6 kernels that print several frames to a line, the first often on
/// the `Call Trace:` line itself: x86-64 before 2.6.24 (arch/x86_64/kernel/traps.c
/// `show_trace()`), `<address>{symbol+decimal}`, and i386 of 2.6.16 to 2.6.18
/// (arch/i386/kernel/traps.c `print_addr_and_symbol()`), `<address> symbol+0x1/0x2`:
///
///     Call Trace:<ffffffff8016eb2c>{drain_array_locked+188} <ffffffff80171119>{cache_reap+233}
///      <c0149109> free_page_and_swap_cache+0x1b/0x2a  <c0142645> unmap_vmas+0x297/0x490
///
/// The report finder reads one frame a line, so such a line is cut into one line per
/// frame, the text before the first (`Call Trace:`) kept as a line of its own.
enum PackedFrameLine {
  /// The pieces of `text`, or nil when it holds fewer than two `<hex>` frames and is no
  /// `Call Trace:` line (a line of one frame, or `RIP: 0010:[<..>] <..>{f+1}`, is read
  /// as it is).
  static func split(_ text: String) -> [String]? {
    var text = text
    return text.withUTF8 { split(bytes: $0) }
  }

  private static func split(bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
    // Most lines hold no `<`: no work beyond this scan.
    guard let base = bytes.baseAddress, !bytes.isEmpty,
      ByteSearch.nextByte(UInt8(ascii: "<"), in: base, from: 0, through: bytes.count - 1, count: bytes.count)
        != nil
    else { return nil }
    var starts: [Int] = []
    var index = 0
    while index < bytes.count {
      if bytes[index] == UInt8(ascii: "<"), index == 0 || bytes[index - 1] != UInt8(ascii: "[") {
        var end = index + 1
        while end < bytes.count, bytes[end].isHexDigit { end += 1 }
        // `<hex>{symbol` or `<hex> symbol`: 8 or 16 digits, an address.
        if end - index - 1 >= 8, end + 2 < bytes.count, bytes[end] == UInt8(ascii: ">"),
          bytes[end + 1] == UInt8(ascii: "{") || (bytes[end + 1] == 0x20 && bytes[end + 2].isSymbolByte)
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
      var piece = bytes[start..<end]
      while let last = piece.last, last == 0x20 || last == 0x09 { piece = piece.dropLast() }
      pieces.append(" " + String(decoding: piece, as: UTF8.self))
    }
    return pieces
  }
}
