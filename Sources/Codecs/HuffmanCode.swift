/// A length-limited canonical Huffman code for a deflate block (RFC 1951 §3.2.2): code
/// lengths from symbol frequencies, then each symbol's code, bit-reversed because deflate
/// packs bits from the least significant end while Huffman codes are read from their most
/// significant bit.
///
/// Lengths are minimum-redundancy (Moffat and Katajainen, "In-place calculation of
/// minimum-redundancy codes", 1995: one sort, three linear passes, no tree), then limited
/// to the alphabet's bound (15 bits for literals and distances, 7 for the header's
/// code-length code) by moving leaves from the deepest levels up until the Kraft sum is
/// one again, the longest codes going to the rarest symbols.
///
/// Its tables are memory of its owner's, freed with `deallocate`: a page's codes are
/// rebuilt for every page, with no copy-on-write check in the loops that use them.
struct HuffmanCode {
  let symbols: Int
  /// Code length of each symbol; 0 for symbols that do not occur.
  let lengths: UnsafeMutablePointer<UInt8>
  /// Each symbol's code, bit-reversed, in its low `lengths[symbol]` bits, and its
  /// length above them: `code | length << 16`, both with one load in the block writer's
  /// inner loop.
  let entries: UnsafeMutablePointer<UInt32>

  init(symbols: Int) {
    self.symbols = symbols
    lengths = .allocate(capacity: symbols)
    lengths.initialize(repeating: 0, count: symbols)
    entries = .allocate(capacity: symbols)
    entries.initialize(repeating: 0, count: symbols)
  }

  /// A code of the given lengths (the fixed code, §3.2.6).
  init(lengths given: [UInt8]) {
    self.init(symbols: given.count)
    for symbol in 0..<given.count { lengths[symbol] = given[symbol] }
    var perLength = [Int](repeating: 0, count: 16)
    for length in given { perLength[Int(length)] += 1 }
    perLength.withUnsafeMutableBufferPointer { assignCodes($0.baseAddress!) }
  }

  func deallocate() {
    lengths.deallocate()
    entries.deallocate()
  }

  /// Rebuilds the code from `frequencies` (one per symbol), no code longer than
  /// `limit` bits. At least two symbols get a code, so that the code is complete as
  /// zlib's inflate wants it (inftrees.c refuses an incomplete set but for a single
  /// one-bit distance code); missing ones are taken from the lowest unused symbols.
  /// Returns the bits the symbols take under the code: their frequencies times their
  /// lengths.
  @discardableResult
  func build(frequencies: UnsafePointer<UInt32>, limit: Int, scratch: inout HuffmanScratch) -> Int {
    let count = symbols
    let used = Self.sortByFrequency(frequencies, count, scratch)
    Self.minimumRedundancyLengths(scratch.weights, used)
    Self.limitLengths(scratch.weights, used, limit: limit, perLength: &scratch.perLength)
    lengths.initialize(repeating: 0, count: count)
    var bits = 0
    for index in 0..<used {
      let symbol = Int(scratch.order[index])
      let length = scratch.weights[index]
      lengths[symbol] = UInt8(truncatingIfNeeded: length)
      bits &+= Int(frequencies[symbol] &* length)
    }
    // The lengths are sorted, longest first: each length's count is a run.
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { table in
      let perLength = table.baseAddress!
      perLength.initialize(repeating: 0, count: 16)
      var index = 0
      while index < used {
        let length = scratch.weights[index]
        var end = index &+ 1
        while end < used && scratch.weights[end] == length { end &+= 1 }
        perLength[Int(length)] = end &- index
        index = end
      }
      assignCodes(perLength)
    }
    return bits
  }

  /// Each symbol's code from the lengths, and `perLength`, the number of codes of each
  /// length from 1 to 15.
  func assignCodes(_ perLength: UnsafeMutablePointer<Int>) {
    // §3.2.2: codes of one length are consecutive, shorter lengths first. Symbols without
    // a code take one from the unused row 0, with no branch on which they are.
    let reversedBytes = DeflateAlphabet.tables.reversedBytes
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { table in
      let next = table.baseAddress!
      var code = 0
      next[0] = 0
      perLength[0] = 0
      for length in 1...15 {
        code = (code &+ perLength[length &- 1]) &<< 1
        next[length] = code
      }
      for symbol in 0..<symbols {
        let length = Int(lengths[symbol])
        let code = Self.reversed(next[length], bits: length, reversedBytes)
        entries[symbol] = UInt32(code) | UInt32(truncatingIfNeeded: length) &<< 16
        next[length] &+= 1
      }
    }
  }

  /// Fills `scratch.order` with the symbols that occur, by frequency then symbol (a
  /// result that does not depend on how it was sorted), and `scratch.weights` with their
  /// frequencies; returns their number, at least two (fillers of weight one taken from the
  /// lowest unused symbols). A counting sort on frequencies below `buckets`, the rest by
  /// insertion: a page's codes have at most 286 symbols, few of them frequent.
  static func sortByFrequency(
    _ frequencies: UnsafePointer<UInt32>, _ count: Int, _ scratch: HuffmanScratch
  ) -> Int {
    let buckets = HuffmanScratch.buckets
    let starts = scratch.bucketStarts
    starts.initialize(repeating: 0, count: buckets + HuffmanScratch.absentBuckets)
    // Every symbol is counted, with no branch on which symbols a page holds; absent ones
    // go to eight buckets in turn, that the runs of them (all but a few of the length
    // symbols, the bytes a page lacks) do not make each count wait for the one before.
    // (Arithmetic, not a conditional, which the compiler makes a branch.)
    @inline(__always) func absent(_ frequency: UInt32) -> Int {
      Int(truncatingIfNeeded: (frequency &- 1) &>> 31)  // frequencies are below 2^31
    }
    @inline(__always) func bucket(_ symbol: Int, _ frequency: UInt32) -> Int {
      min(Int(frequency), buckets &- 1) &+ absent(frequency) &* (buckets &+ (symbol & 7))
    }
    var used = count
    for symbol in 0..<count {
      let frequency = frequencies[symbol]
      starts[bucket(symbol, frequency)] &+= 1
      used &-= absent(frequency)
    }
    if used < 2 {
      // One symbol or none: it and fillers of weight one, two symbols in order.
      var filler = 0
      for index in 0..<2 {
        if index == 0, let symbol = (0..<count).first(where: { frequencies[$0] > 0 }) {
          scratch.order[0] = UInt32(symbol)
          scratch.weights[0] = frequencies[symbol]
          continue
        }
        while frequencies[filler] > 0 { filler += 1 }
        scratch.order[index] = UInt32(filler)
        scratch.weights[index] = 1
        filler += 1
      }
      if (scratch.weights[1], scratch.order[1]) < (scratch.weights[0], scratch.order[0]) {
        swap(&scratch.order[0], &scratch.order[1])
        swap(&scratch.weights[0], &scratch.weights[1])
      }
      return 2
    }
    var start = 0
    for bucket in 1..<buckets {
      let size = starts[bucket]
      starts[bucket] = start
      start &+= size
    }
    // Absent symbols are written to slots past the used ones, each bucket's own, and
    // written over.
    for bucket in 0..<HuffmanScratch.absentBuckets { starts[buckets &+ bucket] = used &+ bucket }
    let frequent = starts[buckets &- 1]
    for symbol in 0..<count {
      let frequency = frequencies[symbol]
      let index = bucket(symbol, frequency)
      scratch.order[starts[index]] = UInt32(truncatingIfNeeded: symbol)
      starts[index] &+= 1 &- absent(frequency)
    }
    for index in 0..<used { scratch.weights[index] = frequencies[Int(scratch.order[index])] }
    // The last bucket holds every frequency from buckets - 1 up: sort it by insertion,
    // equal frequencies staying in symbol order.
    if used - frequent > 1 {
      for index in (frequent + 1)..<used {
        let symbol = scratch.order[index]
        let weight = scratch.weights[index]
        var slot = index
        while slot > frequent && scratch.weights[slot - 1] > weight {
          scratch.order[slot] = scratch.order[slot - 1]
          scratch.weights[slot] = scratch.weights[slot - 1]
          slot -= 1
        }
        scratch.order[slot] = symbol
        scratch.weights[slot] = weight
      }
    }
    return used
  }

  /// The low `bits` of `code` in reverse order, a byte at a time.
  @inline(__always)
  static func reversed(_ code: Int, bits: Int, _ table: UnsafeMutablePointer<UInt8>) -> UInt16 {
    let whole = Int(table[code & 0xFF]) << 8 | Int(table[(code >> 8) & 0xFF])
    return UInt16(truncatingIfNeeded: whole >> (16 - bits))
  }

  /// Replaces `weights[0..<n]`, sorted ascending, by the code length of each (n >= 2).
  static func minimumRedundancyLengths(_ weights: UnsafeMutablePointer<UInt32>, _ n: Int) {
    // Pass 1, left to right: combine the two lightest of the leaves not yet taken and the
    // internal nodes made so far; an internal node keeps its weight until taken, then its
    // parent's index.
    weights[0] += weights[1]
    var root = 0
    var leaf = 2
    for next in 1..<(n - 1) {
      if leaf >= n || weights[root] < weights[leaf] {
        weights[next] = weights[root]
        weights[root] = UInt32(next)
        root += 1
      } else {
        weights[next] = weights[leaf]
        leaf += 1
      }
      if leaf >= n || (root < next && weights[root] < weights[leaf]) {
        weights[next] += weights[root]
        weights[root] = UInt32(next)
        root += 1
      } else {
        weights[next] += weights[leaf]
        leaf += 1
      }
    }
    // Pass 2, right to left: each internal node's depth from its parent's.
    weights[n - 2] = 0
    var index = n - 3
    while index >= 0 {
      weights[index] = weights[Int(weights[index])] + 1
      index -= 1
    }
    // Pass 3: the leaves' depths, from the number of internal nodes at each depth.
    var available = 1
    var usedAtDepth = 0
    var depth: UInt32 = 0
    var node = n - 2
    var next = n - 1
    while available > 0 {
      while node >= 0 && weights[node] == depth {
        usedAtDepth += 1
        node -= 1
      }
      while available > usedAtDepth {
        weights[next] = depth
        next -= 1
        available -= 1
      }
      available = 2 * usedAtDepth
      depth += 1
      usedAtDepth = 0
    }
  }

  /// Limits the lengths in `lengths[0..<n]` (longest first, as pass 3 leaves them) to
  /// `limit`, keeping the code complete.
  static func limitLengths(
    _ lengths: UnsafeMutablePointer<UInt32>, _ n: Int, limit: Int, perLength: inout [Int]
  ) {
    guard Int(lengths[0]) > limit else { return }
    for length in 0..<perLength.count { perLength[length] = 0 }
    for index in 0..<n { perLength[min(Int(lengths[index]), limit)] += 1 }
    // Kraft sum in units of 2^-limit; clamping made it exceed one (2^limit units).
    var total = 0
    for length in 1...limit { total += perLength[length] << (limit - length) }
    while total > 1 << limit {
      // Take one leaf off the deepest level and split a shallower leaf into two: the
      // sum falls by one unit each time.
      perLength[limit] -= 1
      for length in stride(from: limit - 1, through: 1, by: -1) where perLength[length] > 0 {
        perLength[length] -= 1
        perLength[length + 1] += 2
        break
      }
      total -= 1
    }
    // Longest codes to the lightest symbols, which come first.
    var index = 0
    for length in stride(from: limit, through: 1, by: -1) {
      for _ in 0..<perLength[length] {
        lengths[index] = UInt32(length)
        index += 1
      }
    }
  }
}

/// Work memory of `HuffmanCode.build`, made once per encoder.
struct HuffmanScratch {
  /// Frequencies below this are counting-sorted.
  static let buckets = 32
  /// Buckets the absent symbols are spread over (see `sortByFrequency`).
  static let absentBuckets = 8
  let bucketStarts: UnsafeMutablePointer<Int>
  let order: UnsafeMutablePointer<UInt32>
  let weights: UnsafeMutablePointer<UInt32>
  var perLength = [Int](repeating: 0, count: 16)

  init(capacity: Int) {
    bucketStarts = .allocate(capacity: Self.buckets + Self.absentBuckets)
    order = .allocate(capacity: capacity)
    weights = .allocate(capacity: capacity)
  }

  func deallocate() {
    bucketStarts.deallocate()
    order.deallocate()
    weights.deallocate()
  }
}
