/// A mutable bitmap of page frames, bit n = byte n>>3, bit n&7 (LSB first), the
/// layout of both kdump bitmaps (vmcore-format.md §2.4).
public struct PageBitmap: Sendable, Equatable {
  public private(set) var words: [UInt64]
  public let pageCount: UInt64

  public init(pageCount: UInt64) {
    self.pageCount = pageCount
    words = [UInt64](repeating: 0, count: Int((pageCount + 63) / 64))
  }

  public func contains(_ pfn: UInt64) -> Bool {
    pfn < pageCount && words[Int(pfn >> 6)] & (1 << (pfn & 63)) != 0
  }

  public mutating func insert(_ range: Range<UInt64>) {
    var pfn = range.lowerBound
    let end = min(range.upperBound, pageCount)
    while pfn < end {
      if pfn & 63 == 0 && end - pfn >= 64 {
        words[Int(pfn >> 6)] = UInt64.max
        pfn += 64
      } else {
        words[Int(pfn >> 6)] |= 1 << (pfn & 63)
        pfn += 1
      }
    }
  }

  /// Clears one bit; true when it was set.
  @discardableResult
  public mutating func remove(_ pfn: UInt64) -> Bool {
    guard pfn < pageCount else { return false }
    let mask: UInt64 = 1 << (pfn & 63)
    let was = words[Int(pfn >> 6)] & mask != 0
    words[Int(pfn >> 6)] &= ~mask
    return was
  }

  /// Number of set bits before `pfn` (the index of its page descriptor).
  public func rank(_ pfn: UInt64) -> UInt64 {
    let word = Int(min(pfn >> 6, UInt64(words.count)))
    var total = words[0..<word].reduce(UInt64(0)) { $0 + UInt64($1.nonzeroBitCount) }
    if word < words.count, pfn & 63 != 0 {
      total += UInt64((words[word] & ((1 << (pfn & 63)) - 1)).nonzeroBitCount)
    }
    return total
  }

  /// Number of set bits.
  public var count: UInt64 { words.reduce(0) { $0 + UInt64($1.nonzeroBitCount) } }

  /// True when a bit is set in `range`.
  public func intersects(_ range: Range<UInt64>) -> Bool {
    var pfn = range.lowerBound
    let end = min(range.upperBound, pageCount)
    while pfn < end {
      if pfn & 63 == 0 && end - pfn >= 64 {
        if words[Int(pfn >> 6)] != 0 { return true }
        pfn += 64
      } else {
        if contains(pfn) { return true }
        pfn += 1
      }
    }
    return false
  }

  /// The set bits in ascending order, from `start`, calling `body` until it returns false.
  public func forEach(from start: UInt64 = 0, _ body: (UInt64) throws -> Bool) rethrows {
    var index = Int(start >> 6)
    guard index < words.count else { return }
    var word = words[index] & (UInt64.max << (start & 63))
    while true {
      while word != 0 {
        let bit = UInt64(word.trailingZeroBitCount)
        if try !body(UInt64(index) << 6 | bit) { return }
        word &= word - 1
      }
      index += 1
      guard index < words.count else { return }
      word = words[index]
    }
  }

  /// Writes the bitmap as it is stored, `length` bytes at `offset`: its words in
  /// little-endian order, then zeros. On a little-endian host the words are written as
  /// they lie, so a bitmap is never held twice (one bit per page frame: 32 MiB per TiB of
  /// RAM).
  public func write(to output: any DumpOutput, at offset: UInt64, paddedTo length: Int) throws {
    #if _endian(little)
      let stored = min(length, words.count * 8)
      try words.withUnsafeBytes {
        try output.write(UnsafeRawBufferPointer(rebasing: $0[..<stored]), at: offset)
      }
      var position = stored
      let zeros = [UInt8](repeating: 0, count: min(1 << 20, max(0, length - stored)))
      while position < length {
        let count = min(zeros.count, length - position)
        try zeros.withUnsafeBytes {
          try output.write(UnsafeRawBufferPointer(rebasing: $0[..<count]), at: offset + UInt64(position))
        }
        position += count
      }
    #else
      try output.write(bytes(paddedTo: length), at: offset)
    #endif
  }

  /// The bitmap as it is stored: `blocks * blockSize` bytes, little-endian words.
  public func bytes(paddedTo length: Int) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: length)
    result.withUnsafeMutableBytes { raw in
      for (index, word) in words.enumerated() where index * 8 + 8 <= length {
        raw.storeBytes(of: word.littleEndian, toByteOffset: index * 8, as: UInt64.self)
      }
    }
    return result
  }
}
