/// LZ77 matches for deflate over hash chains (RFC 1951 §4), sized for one page at a time.
///
/// The tables hold 16-bit offsets into the page and are never cleared: an entry left by an
/// earlier page names some offset of this one, and every candidate's bytes are compared
/// before it is taken, so a stale entry costs one failed comparison and never a wrong
/// match. Chains only go backwards (each candidate below the one before it), which ends
/// them whatever stale entries they meet. Zlib and libdeflate instead clear 64-192 KiB of
/// tables per stream, more than the rest of a 4 KiB page's deflate costs.
///
/// Parsing is greedy with an optional one-step lazy evaluation (as zlib's deflate_slow:
/// a longer match one byte on is worth a literal first). Hashes cover 3 or 4 bytes; a
/// 3-byte match is taken only at short distances, where its distance's extra bits are few.
struct DeflateHashChains {
  /// Offsets are 16 bits: pages of up to 64 KiB, every page size Linux has.
  static let largestPage = 1 << 16

  var settings: PageDeflater.Search
  let pageSize: Int
  /// For each hash, the offset last seen with it (in this page or an earlier one).
  let head: UnsafeMutablePointer<UInt16>
  /// For each offset, the offset seen before it with its hash.
  let previous: UnsafeMutablePointer<UInt16>

  init(pageSize: Int, settings: PageDeflater.Search) {
    precondition(pageSize <= Self.largestPage, "pages of at most 64 KiB")
    self.settings = settings
    self.pageSize = pageSize
    head = .allocate(capacity: 1 << settings.hashBits)
    head.initialize(repeating: 0, count: 1 << settings.hashBits)
    previous = .allocate(capacity: max(pageSize, 1))
    previous.initialize(repeating: 0, count: max(pageSize, 1))
  }

  func deallocate() {
    head.deallocate()
    previous.deallocate()
  }

  /// Parses the page into sequences, as pairs in `items`: the number of literals, then a
  /// match (length << 16 | distance) after them; the last pair's match is 0, for the
  /// literals that end the page. Literals stay in the page, where the writer reads them.
  /// Counts each symbol in the frequencies; returns the number of pairs.
  func parse(
    _ page: UnsafeRawPointer, items: UnsafeMutablePointer<UInt32>,
    literalFrequencies: UnsafeMutablePointer<UInt32>, distanceFrequencies: UnsafeMutablePointer<UInt32>
  ) -> Int {
    let page = page.assumingMemoryBound(to: UInt8.self)
    let size = pageSize
    let lastHashed = size &- 4
    let head = head
    let previous = previous
    let shift = UInt32(32 - settings.hashBits)
    let mask: UInt32 = settings.hashedBytes == 3 ? 0x00FF_FFFF : 0xFFFF_FFFF
    let minimum = settings.hashedBytes
    let chainLimit = settings.chainLimit
    let goodEnough = settings.goodEnough
    let lazyBelow = settings.lazyBelow
    let insertBelow = settings.insertBelow
    let farthestThree = settings.farthestThree
    let tables = DeflateAlphabet.tables
    // RFC 1951 §3.2.5: distances reach 32 KiB back; only 64 KiB pages go further.
    let window = 32768

    @inline(__always) func word(_ offset: Int) -> UInt32 {
      UnsafeRawPointer(page + offset).loadUnaligned(as: UInt32.self) & mask
    }
    @inline(__always) func slot(_ offset: Int) -> Int {
      Int(truncatingIfNeeded: (word(offset) &* 0x9E37_79B1) &>> shift)
    }
    @inline(__always) func insert(_ offset: Int) {
      let index = slot(offset)
      previous[offset] = head[index]
      head[index] = UInt16(truncatingIfNeeded: offset)
    }
    /// The longest match at `offset` (inserted first): length << 16 | distance, or 0.
    @inline(__always) func longestMatch(_ offset: Int) -> UInt32 {
      let current = word(offset)
      let index = Int(truncatingIfNeeded: (current &* 0x9E37_79B1) &>> shift)
      var candidate = Int(head[index])
      previous[offset] = UInt16(truncatingIfNeeded: candidate)
      head[index] = UInt16(truncatingIfNeeded: offset)
      let lowest = offset > window ? offset &- window : 0
      let longest = min(258, size &- offset)
      guard chainLimit > 0 else { return 0 }
      var tries = chainLimit
      var above = offset
      // The first candidate decides most positions, with one branch: a candidate that
      // is not below `offset` reads offset 0 instead and fails the test.
      let first = candidate < offset && candidate >= lowest
      let probe = first ? candidate : 0
      let equal = word(probe) == current
      guard first && equal else {
        if !first || tries <= 1 { return 0 }
        above = candidate
        candidate = Int(previous[candidate])
        tries &-= 1
        return chain(offset, current, candidate, above, tries, lowest, longest)
      }
      return chain(offset, current, candidate, above, tries, lowest, longest)
    }
    /// Walks the chain from `candidate` (below `above`), `tries` candidates at most.
    @inline(__always) func chain(
      _ offset: Int, _ current: UInt32, _ start: Int, _ startAbove: Int, _ startTries: Int, _ lowest: Int,
      _ longest: Int
    ) -> UInt32 {
      var candidate = start
      var above = startAbove
      var tries = startTries
      var best = minimum &- 1
      var bestDistance = 0
      while candidate < above && candidate >= lowest && tries > 0 {
        if word(candidate) == current && page[candidate &+ best] == page[offset &+ best] {
          var length = minimum
          while length &+ 8 <= longest {
            let earlier = UnsafeRawPointer(page + (candidate &+ length)).loadUnaligned(as: UInt64.self)
            let later = UnsafeRawPointer(page + (offset &+ length)).loadUnaligned(as: UInt64.self)
            let difference = earlier ^ later
            if difference != 0 {
              length &+= difference.littleEndian.trailingZeroBitCount &>> 3
              break
            }
            length &+= 8
          }
          if length &+ 8 > longest {
            while length < longest && page[candidate &+ length] == page[offset &+ length] { length &+= 1 }
          }
          if length > best {
            best = length
            bestDistance = offset &- candidate
            if length >= goodEnough || length >= longest { break }
          }
        }
        above = candidate
        candidate = Int(previous[candidate])
        tries &-= 1
      }
      if bestDistance == 0 || (best == 3 && bestDistance > farthestThree) { return 0 }
      return UInt32(truncatingIfNeeded: best) &<< 16 | UInt32(truncatingIfNeeded: bestDistance)
    }
    @inline(__always) func literal(_ offset: Int) {
      literalFrequencies[Int(page[offset])] &+= 1
    }

    var pairs = 0
    var literals: UInt32 = 0
    var offset = 0
    while offset <= lastHashed {
      var match = longestMatch(offset)
      // Offsets below this one are in the hash tables.
      var inserted = offset &+ 1
      if match == 0 {
        literal(offset)
        literals &+= 1
        offset &+= 1
        continue
      }
      while Int(match &>> 16) < lazyBelow && offset &+ 1 <= lastHashed {
        let next = longestMatch(offset &+ 1)
        inserted = offset &+ 2
        guard next &>> 16 > match &>> 16 else { break }
        literal(offset)
        literals &+= 1
        offset &+= 1
        match = next
      }
      let length = Int(match &>> 16)
      items[2 &* pairs] = literals
      items[2 &* pairs &+ 1] = match
      pairs &+= 1
      literals = 0
      literalFrequencies[257 &+ Int(tables.lengthCode[length])] &+= 1
      distanceFrequencies[tables.distanceCode(Int(match & 0xFFFF))] &+= 1
      let end = offset &+ length
      if length <= insertBelow {
        let stop = min(end, lastHashed &+ 1)
        while inserted < stop {
          insert(inserted)
          inserted &+= 1
        }
      }
      offset = end
    }
    while offset < size {
      literal(offset)
      literals &+= 1
      offset &+= 1
    }
    items[2 &* pairs] = literals
    items[2 &* pairs &+ 1] = 0
    return pairs &+ 1
  }
}
