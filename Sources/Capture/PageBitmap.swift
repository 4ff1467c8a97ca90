/// A mutable bitmap of page frames, bit n = byte n>>3, bit n&7 (LSB first), the
/// layout of both kdump bitmaps (vmcore-format.md §2.4). It covers the frames from
/// `start` (a multiple of 64) below `pageCount`: the whole bitmap, or the part of it
/// one cycle of a capture holds (`PageCycles`).
public struct PageBitmap: Sendable, Equatable {
  public private(set) var words: [UInt64]
  /// The first frame covered, a multiple of 64.
  public let start: UInt64
  /// One past the last frame covered.
  public let pageCount: UInt64

  public init(pageCount: UInt64) {
    self.init(covering: 0..<pageCount)
  }

  /// A bitmap of the frames in `range`; its lower bound is rounded down to a multiple
  /// of 64, so that its words are those of the whole bitmap.
  public init(covering range: Range<UInt64>) {
    start = range.lowerBound & ~63
    pageCount = max(start, range.upperBound)
    words = [UInt64](repeating: 0, count: Int((pageCount - start + 63) / 64))
  }

  /// The word holding `pfn`, which must lie in `start..<pageCount`.
  @inline(__always) func word(_ pfn: UInt64) -> Int { Int((pfn - start) >> 6) }

  public func contains(_ pfn: UInt64) -> Bool {
    pfn >= start && pfn < pageCount && words[word(pfn)] & (1 << (pfn & 63)) != 0
  }

  /// Sets the bits of `range`, clipped to the frames covered.
  public mutating func insert(_ range: Range<UInt64>) {
    var pfn = max(range.lowerBound, start)
    let end = min(range.upperBound, pageCount)
    while pfn < end {
      if pfn & 63 == 0 && end - pfn >= 64 {
        words[word(pfn)] = UInt64.max
        pfn += 64
      } else {
        words[word(pfn)] |= 1 << (pfn & 63)
        pfn += 1
      }
    }
  }

  /// Clears one bit; true when it was set.
  @discardableResult
  public mutating func remove(_ pfn: UInt64) -> Bool {
    guard pfn >= start && pfn < pageCount else { return false }
    let mask: UInt64 = 1 << (pfn & 63)
    let was = words[word(pfn)] & mask != 0
    words[word(pfn)] &= ~mask
    return was
  }

  /// Number of set bits before `pfn` (the index of its page descriptor, in a whole
  /// bitmap; in a cycle's part, counted from `start`).
  public func rank(_ pfn: UInt64) -> UInt64 {
    guard pfn > start else { return 0 }
    let word = Int(min((pfn - start) >> 6, UInt64(words.count)))
    var total = words[0..<word].reduce(UInt64(0)) { $0 + UInt64($1.nonzeroBitCount) }
    if word < words.count, pfn & 63 != 0 {
      total += UInt64((words[word] & ((1 << (pfn & 63)) - 1)).nonzeroBitCount)
    }
    return total
  }

  /// The rank of each frame of `sorted` (ascending) whose bit is set, counted from
  /// `start`, in one walk over the words: a cycle's part may hold millions of words.
  public func ranks(of sorted: [UInt64]) -> [(pfn: UInt64, rank: UInt64)] {
    var result: [(pfn: UInt64, rank: UInt64)] = []
    var counted = 0
    var total: UInt64 = 0
    for pfn in sorted where contains(pfn) {
      let index = word(pfn)
      while counted < index {
        total += UInt64(words[counted].nonzeroBitCount)
        counted += 1
      }
      let below = pfn & 63 == 0 ? 0 : words[index] & ((1 << (pfn & 63)) - 1)
      result.append((pfn, total + UInt64(below.nonzeroBitCount)))
    }
    return result
  }

  /// Number of set bits.
  public var count: UInt64 { words.reduce(0) { $0 + UInt64($1.nonzeroBitCount) } }

  /// True when a bit is set in `range`.
  public func intersects(_ range: Range<UInt64>) -> Bool {
    var pfn = max(range.lowerBound, start)
    let end = min(range.upperBound, pageCount)
    while pfn < end {
      if pfn & 63 == 0 && end - pfn >= 64 {
        if words[word(pfn)] != 0 { return true }
        pfn += 64
      } else {
        if contains(pfn) { return true }
        pfn += 1
      }
    }
    return false
  }

  /// The set bits in ascending order, from `start`, calling `body` until it returns false.
  public func forEach(from first: UInt64 = 0, _ body: (UInt64) throws -> Bool) rethrows {
    let from = max(first, start)
    guard from < pageCount else { return }
    var index = word(from)
    guard index < words.count else { return }
    var word = words[index] & (UInt64.max << (from & 63))
    while true {
      while word != 0 {
        let bit = UInt64(word.trailingZeroBitCount)
        if try !body(start + (UInt64(index) << 6 | bit)) { return }
        word &= word - 1
      }
      index += 1
      guard index < words.count else { return }
      word = words[index]
    }
  }

  /// Writes the bitmap as it is stored into the `length` bytes of the whole bitmap at
  /// `offset`: its words in little-endian order at their place (`start / 8` on), then,
  /// when `last` (the part that ends the bitmap), zeros to `length`. On a little-endian
  /// host the words are written as they lie, so a bitmap is never held twice.
  public func write(
    to output: any DumpOutput, at offset: UInt64, paddedTo length: Int, last: Bool = true
  ) throws {
    let place = Int(start / 8)
    guard place < length else { return }
    #if _endian(little)
      let stored = min(length - place, words.count * 8)
      try words.withUnsafeBytes {
        try output.write(UnsafeRawBufferPointer(rebasing: $0[..<stored]), at: offset + UInt64(place))
      }
      var position = place + stored
      guard last else { return }
      let zeros = [UInt8](repeating: 0, count: min(1 << 20, max(0, length - stored)))
      while position < length {
        let count = min(zeros.count, length - position)
        try zeros.withUnsafeBytes {
          try output.write(UnsafeRawBufferPointer(rebasing: $0[..<count]), at: offset + UInt64(position))
        }
        position += count
      }
    #else
      var stored = bytes(paddedTo: words.count * 8)
      stored = Array(stored.prefix(length - place))
      if last { stored += [UInt8](repeating: 0, count: length - place - stored.count) }
      try output.write(stored, at: offset + UInt64(place))
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
