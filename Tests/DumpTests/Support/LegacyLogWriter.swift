/// Lays out the structured `log_buf` of Linux 3.5–5.9 as kernel/printk/printk.c of
/// those releases does (`log_store`): `struct printk_log` headers (packed, 4-byte
/// aligned on x86_64), text, dictionary, padding; a zeroed header marks the wrap to
/// the buffer start, and the oldest records are dropped to make room.
struct LegacyLogWriter {
  struct Entry {
    var text: String
    var dictionary: String = ""  // NUL-separated KEY=VALUE pairs
    var timestamp: UInt64
    var facility: UInt8 = 0
    var level: UInt8 = 6
    var callerID: UInt32 = 0
  }

  let bufferLength: Int
  let withCaller: Bool
  var headerSize: Int { withCaller ? 20 : 16 }
  var buffer: [UInt8]
  var firstIndex = 0
  var nextIndex = 0
  var firstSequence: UInt64 = 0
  var nextSequence: UInt64 = 0
  /// Record lengths in order, to drop the oldest.
  private var lengths: [(index: Int, length: Int)] = []

  init(bufferLength: Int, withCaller: Bool) {
    self.bufferLength = bufferLength
    self.withCaller = withCaller
    buffer = [UInt8](repeating: 0, count: bufferLength)
  }

  mutating func store(_ entry: Entry) {
    let text = Array(entry.text.utf8)
    let dict = Array(entry.dictionary.utf8)
    let size = (headerSize + text.count + dict.count + 3) & ~3
    // Drop the oldest records until the new one fits (log_make_free_space).
    func free() -> Int {
      if lengths.isEmpty { return bufferLength }
      if nextIndex > firstIndex { return max(bufferLength - nextIndex, firstIndex) }
      return firstIndex - nextIndex
    }
    while !lengths.isEmpty && free() < size + headerSize {
      lengths.removeFirst()
      firstSequence += 1
      firstIndex = lengths.first?.index ?? nextIndex
    }
    if nextIndex + size + headerSize > bufferLength {
      // Not enough room at the end: a zeroed header, then wrap.
      for index in nextIndex..<min(bufferLength, nextIndex + headerSize) { buffer[index] = 0 }
      nextIndex = 0
      while let first = lengths.first, first.index < size + headerSize, first.index >= 0,
        firstIndex <= first.index,
        firstIndex < size + headerSize
      {
        lengths.removeFirst()
        firstSequence += 1
        firstIndex = lengths.first?.index ?? 0
      }
    }
    var header = [UInt8](repeating: 0, count: headerSize)
    header.put(entry.timestamp, at: 0)
    header.put(UInt16(size), at: 8)
    header.put(UInt16(text.count), at: 10)
    header.put(UInt16(dict.count), at: 12)
    header.put(entry.facility, at: 14)
    header.put(entry.level << 5 | 2, at: 15)
    if withCaller { header.put(entry.callerID, at: 16) }
    let record =
      header + text + dict + [UInt8](repeating: 0, count: size - headerSize - text.count - dict.count)
    buffer.replaceSubrange(nextIndex..<nextIndex + size, with: record)
    lengths.append((nextIndex, size))
    if lengths.count == 1 { firstIndex = nextIndex }
    nextIndex += size
    nextSequence += 1
  }

  var vmcoreInfoLayout: String {
    """
    SIZE(printk_log)=\(headerSize)
    OFFSET(printk_log.ts_nsec)=0
    OFFSET(printk_log.len)=8
    OFFSET(printk_log.text_len)=10
    OFFSET(printk_log.dict_len)=12
    """ + (withCaller ? "\nOFFSET(printk_log.caller_id)=16\n" : "\n")
  }
}
