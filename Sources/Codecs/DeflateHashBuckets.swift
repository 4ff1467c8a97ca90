/// LZ77 matches for deflate (RFC 1951 §4), sized for one page at a time: a hash table of
/// the last two offsets seen with each hash of a position's first 3 or 4 bytes, the two
/// candidates a position is matched against.
///
/// The table holds 16-bit offsets into the page, 16 KiB for 4 KiB pages, and is cleared
/// for every page: zlib and libdeflate clear 64-192 KiB of tables per stream, more than
/// the rest of a 4 KiB page's deflate costs. Cleared, the table makes each page's stream
/// a function of the page alone (the same dump whatever the threads or the resume point),
/// and it measured faster than leaving earlier pages' entries in place (16.9 against
/// 18.6 us a page), likely because a cleared entry names offset 0, whose bytes fail the
/// comparison the same way each time, where stale entries fail it at random. Every
/// candidate's bytes are compared before it is taken. Two entries a bucket, side by side, give what a hash chain two
/// deep gives without its dependent load, and both candidates are tested with one
/// branch: most positions find no match, and which ones do is what the page holds, not
/// something a branch predictor learns.
///
/// Parsing is greedy with an optional one-step lazy evaluation (as zlib's deflate_slow:
/// a longer match one byte on is worth a literal first). A 3-byte match is taken only at
/// short distances, where its distance's extra bits are few.
struct DeflateHashBuckets {
  /// Offsets are 16 bits: pages of up to 64 KiB, every page size Linux has.
  static let largestPage = 1 << 16

  let settings: PageDeflater.Search
  let pageSize: Int
  /// For each hash, the newest offset of this page seen with it and the one before (0
  /// for none: offset 0's bytes are compared like any candidate's).
  let buckets: UnsafeMutablePointer<UInt16>

  init(pageSize: Int, settings: PageDeflater.Search) {
    precondition(pageSize <= Self.largestPage, "pages of at most 64 KiB")
    self.settings = settings
    self.pageSize = pageSize
    buckets = .allocate(capacity: 2 << settings.hashBits)
    buckets.initialize(repeating: 0, count: 2 << settings.hashBits)
  }

  func deallocate() { buckets.deallocate() }

  /// Parses the page into sequences, as pairs in `items`: the number of literals, then a
  /// match (length << 16 | distance) after them; the last pair's match is 0, for the
  /// literals that end the page. Literals stay in the page, where the writer reads them.
  /// Counts each symbol in the frequencies; returns the number of pairs. With
  /// `shortMatches` false, the kernel pages' search (`Search.kernelPages`) looks for
  /// matches of 4 bytes and more only (`Search.longMatches`); other settings ignore it.
  func parse(
    _ page: UnsafeRawPointer, items: UnsafeMutablePointer<UInt32>,
    literalFrequencies: UnsafeMutablePointer<UInt32>, distanceFrequencies: UnsafeMutablePointer<UInt32>,
    shortMatches: Bool = true
  ) -> Int {
    // RFC 1951 §3.2.5: distances reach 32 KiB back. In a page no larger than that every
    // earlier offset is in reach, and every offset the table names is earlier than the
    // one searched (offset 0, which the cleared table names, is a literal before the
    // search starts): a candidate needs no check but its bytes. And the settings dumps
    // use (`Search.kernelPages`) get a copy of the loop with them as constants, their
    // shifts, masks and bounds folded in (11% of the parse's time on the 5.10 lab dump's
    // pages). Four copies of the loop, the kernel pages' with and without 3-byte
    // matches; the general one serves other settings and 64 KiB pages.
    let inReach = pageSize <= DeflateAlphabet.maximumDistance
    if inReach && settings == .kernelPages && !shortMatches {
      return parse(
        page, items: items, literalFrequencies: literalFrequencies, distanceFrequencies: distanceFrequencies,
        inReach: true, settings: .longMatches)
    }
    if inReach && settings == .kernelPages {
      return parse(
        page, items: items, literalFrequencies: literalFrequencies, distanceFrequencies: distanceFrequencies,
        inReach: true, settings: .kernelPages)
    }
    if inReach {
      return parse(
        page, items: items, literalFrequencies: literalFrequencies, distanceFrequencies: distanceFrequencies,
        inReach: true, settings: settings)
    }
    return parse(
      page, items: items, literalFrequencies: literalFrequencies, distanceFrequencies: distanceFrequencies,
      inReach: false, settings: settings)
  }

  @inline(__always)
  private func parse(
    _ page: UnsafeRawPointer, items: UnsafeMutablePointer<UInt32>,
    literalFrequencies: UnsafeMutablePointer<UInt32>, distanceFrequencies: UnsafeMutablePointer<UInt32>,
    inReach: Bool, settings: PageDeflater.Search
  ) -> Int {
    let page = page.assumingMemoryBound(to: UInt8.self)
    let size = pageSize
    let lastHashed = size &- 4
    let table = buckets
    table.update(repeating: 0, count: 2 << settings.hashBits)
    let shift = UInt32(32 - settings.hashBits)
    let mask: UInt32 = settings.hashedBytes == 3 ? 0x00FF_FFFF : 0xFFFF_FFFF
    let minimum = settings.hashedBytes
    let goodEnough = settings.goodEnough
    let lazyBelow = settings.lazyBelow
    let insertBelow = settings.insertBelow
    let farthestThree = settings.farthestThree
    let tables = DeflateAlphabet.tables
    // RFC 1951 §3.2.5: distances reach 32 KiB back; only 64 KiB pages go further.
    let window = DeflateAlphabet.maximumDistance
    let maximumMatch = DeflateAlphabet.maximumMatch

    @inline(__always) func word(_ offset: Int) -> UInt32 {
      UnsafeRawPointer(page + offset).loadUnaligned(as: UInt32.self) & mask
    }
    /// The first of the two entries of the bucket of `word`.
    @inline(__always) func bucket(_ word: UInt32) -> Int {
      Int(truncatingIfNeeded: (word &* 0x9E37_79B1) &>> shift) &<< 1
    }
    @inline(__always) func insert(_ offset: Int) {
      let index = bucket(word(offset))
      table[index &+ 1] = table[index]
      table[index] = UInt16(truncatingIfNeeded: offset)
    }
    /// How many of the 16 bytes after the first `minimum` are equal at `candidate` and
    /// `offset` (16: all), with no branch on where they differ: most matches end there.
    @inline(__always) func sixteen(_ candidate: Int, _ offset: Int) -> Int {
      let first =
        UnsafeRawPointer(page + (candidate &+ minimum)).loadUnaligned(as: UInt64.self)
        ^ UnsafeRawPointer(page + (offset &+ minimum)).loadUnaligned(as: UInt64.self)
      let second =
        UnsafeRawPointer(page + (candidate &+ minimum &+ 8)).loadUnaligned(as: UInt64.self)
        ^ UnsafeRawPointer(page + (offset &+ minimum &+ 8)).loadUnaligned(as: UInt64.self)
      let inFirst = first.littleEndian.trailingZeroBitCount &>> 3
      let inSecond = 8 &+ (second.littleEndian.trailingZeroBitCount &>> 3)
      return first != 0 ? inFirst : inSecond
    }
    @inline(__always) func extend(_ candidate: Int, _ offset: Int, _ longest: Int) -> Int {
      var length = minimum
      if length &+ 16 <= longest {
        let equal = sixteen(candidate, offset)
        if equal < 16 { return length &+ equal }
        length &+= 16
      }
      while length &+ 8 <= longest {
        let earlier = UnsafeRawPointer(page + (candidate &+ length)).loadUnaligned(as: UInt64.self)
        let later = UnsafeRawPointer(page + (offset &+ length)).loadUnaligned(as: UInt64.self)
        let difference = earlier ^ later
        if difference != 0 { return length &+ difference.littleEndian.trailingZeroBitCount &>> 3 }
        length &+= 8
      }
      while length < longest && page[candidate &+ length] == page[offset &+ length] { length &+= 1 }
      return length
    }
    /// The longest match at `offset` (inserted first): length << 16 | distance, or 0.
    @inline(__always) func longestMatch(_ offset: Int) -> UInt32 {
      let current = word(offset)
      let index = bucket(current)
      let newer = Int(table[index])
      let older = Int(table[index &+ 1])
      table[index &+ 1] = UInt16(truncatingIfNeeded: newer)
      table[index] = UInt16(truncatingIfNeeded: offset)
      let lowest = offset > window ? offset &- window : 0
      let newerValid = inReach ? 1 : (newer < offset ? 1 : 0) & (newer >= lowest ? 1 : 0)
      let olderValid = inReach ? 1 : (older < offset ? 1 : 0) & (older >= lowest ? 1 : 0)
      let newerEqual = newerValid & (word(newerValid != 0 ? newer : 0) == current ? 1 : 0)
      let olderEqual = olderValid & (word(olderValid != 0 ? older : 0) == current ? 1 : 0)
      guard newerEqual | olderEqual != 0 else { return 0 }
      let longest = min(maximumMatch, size &- offset)
      if minimum &+ 16 <= longest {
        // Both candidates' next 16 bytes, with no branch on either: when neither match
        // runs past them, the longer is taken here (the newer, nearer one on a tie, as
        // below).
        let newerLength = newerEqual != 0 ? minimum &+ sixteen(newerValid != 0 ? newer : 0, offset) : 0
        let olderLength = olderEqual != 0 ? minimum &+ sixteen(olderValid != 0 ? older : 0, offset) : 0
        if newerLength < minimum &+ 16 && olderLength < minimum &+ 16 {
          let takeOlder = olderLength > newerLength
          let best = takeOlder ? olderLength : newerLength
          let bestDistance = offset &- (takeOlder ? older : newer)
          if best == 3 && bestDistance > farthestThree { return 0 }
          return UInt32(truncatingIfNeeded: best) &<< 16 | UInt32(truncatingIfNeeded: bestDistance)
        }
      }
      var best = 0
      var bestDistance = 0
      if newerEqual != 0 {
        best = extend(newer, offset, longest)
        bestDistance = offset &- newer
      }
      if olderEqual != 0 && best < goodEnough && best < longest {
        let length = extend(older, offset, longest)
        if length > best {
          best = length
          bestDistance = offset &- older
        }
      }
      if best == 3 && bestDistance > farthestThree { return 0 }
      return UInt32(truncatingIfNeeded: best) &<< 16 | UInt32(truncatingIfNeeded: bestDistance)
    }
    @inline(__always) func literal(_ offset: Int) {
      literalFrequencies[Int(page[offset])] &+= 1
    }

    var pairs = 0
    var literals: UInt32 = 0
    var offset = 0
    if inReach {
      literal(0)
      literals = 1
      offset = 1
    }
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
