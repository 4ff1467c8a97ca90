/// One of the kdump bitmaps: bit n (byte n>>3, bit n&7, LSB first) is page frame n
/// (vmcore-format.md §2.4). Ranks (set bits before n) come from a prefix count every
/// 512 bits, so finding a page descriptor costs at most eight popcounts.
struct PfnBitmap: Sendable {
  let words: [UInt64]
  private let prefix: [UInt64]
  static let wordsPerBlock = 8

  init(bytes: [UInt8]) {
    var words = [UInt64](repeating: 0, count: (bytes.count + 7) / 8)
    words.withUnsafeMutableBytes { raw in
      raw.copyBytes(from: bytes)
    }
    self.words = words.map { UInt64(littleEndian: $0) }
    var prefix: [UInt64] = []
    prefix.reserveCapacity(words.count / Self.wordsPerBlock + 1)
    var total: UInt64 = 0
    for (index, word) in self.words.enumerated() {
      if index % Self.wordsPerBlock == 0 { prefix.append(total) }
      total += UInt64(word.nonzeroBitCount)
    }
    self.prefix = prefix
    count = total
  }

  /// Number of set bits.
  let count: UInt64

  func contains(_ pfn: UInt64) -> Bool {
    let word = Int(pfn >> 6)
    guard pfn >> 6 < UInt64(words.count) else { return false }
    return words[word] & (1 << (pfn & 63)) != 0
  }

  /// Number of set bits before `pfn`.
  func rank(_ pfn: UInt64) -> UInt64 {
    let word = Int(min(pfn >> 6, UInt64(words.count)))
    let block = word / Self.wordsPerBlock
    guard block < prefix.count else { return count }
    var total = prefix[block]
    for index in block * Self.wordsPerBlock..<word { total += UInt64(words[index].nonzeroBitCount) }
    if word < words.count, pfn & 63 != 0 {
      total += UInt64((words[word] & ((1 << (pfn & 63)) - 1)).nonzeroBitCount)
    }
    return total
  }

  /// Runs of set bits as PFN ranges.
  func runs(limit: UInt64) -> [Range<UInt64>] {
    var result: [Range<UInt64>] = []
    var start: UInt64?
    for (index, word) in words.enumerated() where word != 0 || start != nil {
      if word == UInt64.max && start != nil { continue }
      for bit in 0..<64 {
        let pfn = UInt64(index) * 64 + UInt64(bit)
        if pfn >= limit { break }
        let set = word & (1 << UInt64(bit)) != 0
        if set, start == nil { start = pfn }
        if !set, let begin = start {
          result.append(begin..<pfn)
          start = nil
        }
      }
    }
    if let begin = start { result.append(begin..<min(limit, UInt64(words.count) * 64)) }
    return result
  }
}
