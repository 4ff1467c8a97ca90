/// zlib streams (RFC 1950) of one page each, written for the size of a page rather than
/// for a stream: the format makedumpfile writes with `compress2` and crash, drgn and
/// makedumpfile read with `uncompress` (a zlib header, one final deflate block, Adler-32).
///
/// Why not zlib or libdeflate: both are built for inputs of any size, with a 32 KiB window
/// and hash tables of 64 to 192 KiB that they clear for every stream, longer than
/// deflating the 4 KiB page itself takes. Here the table is sized for the page (16 KiB of
/// 16-bit offsets), and a page's match search, its Huffman codes and its checksum stay in
/// the first-level cache.
///
/// Matches come from `DeflateHashBuckets`; each page is one block with the code (dynamic
/// or fixed, RFC 1951 §3.2.6-7) whose exact size is smaller. The size is known before a
/// bit is written, so a page that would not shrink costs no writing at all.
public final class PageDeflater {
  public let pageSize: Int
  /// The largest page it takes: 64 KiB, every page size Linux has.
  public static let largestPage = DeflateHashBuckets.largestPage
  /// How the match search works; `kernelPages` is the balance measured on dumps.
  public struct Search: Sendable, Equatable {
    /// A match this long ends the search.
    public var goodEnough = 64
    /// The table has 2^hashBits buckets (8 to 16).
    public var hashBits = 12
    /// Bytes the hash covers (3 or 4): the shortest match the search finds.
    public var hashedBytes = 4
    /// A match shorter than this is checked against the match one byte on; 0: greedy.
    public var lazyBelow = 0
    /// The positions inside a match of at most this length go into the hash tables;
    /// longer matches' insides are skipped, as zlib's fastest level does.
    public var insertBelow = 258
    /// The longest distance a 3-byte match may have.
    public var farthestThree = 0

    /// The fastest search whose dump stays no larger than makedumpfile's `compress2`
    /// level 1. Chosen on the kernel pages of the lab's 6.1 panic dump (-d 31) and
    /// checked on those of 5.10 and 6.12 and on 6.1 at -d 1: two candidates per position
    /// over hashes of 3 bytes, 3-byte matches within 256 bytes, greedy, the inside of
    /// matches longer than 4 bytes left out of the tables (as zlib's level 1 does).
    /// (A literal each time, not a stored value: the match search takes its settings as
    /// constants when they are these.)
    @inline(__always)
    public static var kernelPages: Search {
      Search(
        goodEnough: 32, hashBits: 12, hashedBytes: 3, lazyBelow: 0, insertBelow: 4,
        farthestThree: 256)
    }

    /// `kernelPages` without 3-byte matches: a position's hash covers 4 bytes. On pages
    /// whose words do not all share their top byte it costs the dumps little (`compress`).
    @inline(__always)
    public static var longMatches: Search {
      Search(
        goodEnough: 32, hashBits: 12, hashedBytes: 4, lazyBelow: 0, insertBelow: 4,
        farthestThree: 0)
    }

    public init(
      goodEnough: Int = 64, hashBits: Int = 12, hashedBytes: Int = 4, lazyBelow: Int = 0,
      insertBelow: Int = 258, farthestThree: Int = 0
    ) {
      self.goodEnough = goodEnough
      self.hashBits = hashBits
      self.hashedBytes = hashedBytes
      self.lazyBelow = lazyBelow
      self.insertBelow = insertBelow
      self.farthestThree = farthestThree
    }
  }

  private let matches: DeflateHashBuckets
  private let tables = DeflateAlphabet.tables
  private let codeLengthOrder = DeflateAlphabet.codeLengthOrder
  private let fixedLiteralRuns = DeflateAlphabet.fixedLiteralRuns
  /// The page as pairs of a literal count and a match (`DeflateHashBuckets.parse`).
  private let items: UnsafeMutablePointer<UInt32>
  private let literalFrequencies: UnsafeMutablePointer<UInt32>
  private let distanceFrequencies: UnsafeMutablePointer<UInt32>
  private let codeLengthFrequencies: UnsafeMutablePointer<UInt32>
  /// The dynamic header's code-length symbols (symbol | extra value << 8).
  private let headerSymbols: UnsafeMutablePointer<UInt32>
  private let combinedLengths: UnsafeMutablePointer<UInt8>
  private let literalCode = HuffmanCode(symbols: DeflateAlphabet.literalLengthSymbols)
  private let distanceCode = HuffmanCode(symbols: DeflateAlphabet.distanceSymbols)
  private let codeLengthCode = HuffmanCode(symbols: DeflateAlphabet.codeLengthSymbols)
  private var scratch = HuffmanScratch(capacity: 320)
  private let fixedLiteralCode: HuffmanCode
  private let fixedDistanceCode: HuffmanCode

  public init(pageSize: Int, settings: Search = Search()) {
    self.pageSize = pageSize
    precondition((3...4).contains(settings.hashedBytes) && (8...16).contains(settings.hashBits))
    matches = DeflateHashBuckets(pageSize: pageSize, settings: settings)
    // A match is 3 bytes at least: at most pageSize / 3 pairs and the last.
    items = .allocate(capacity: 2 * (pageSize / 3 + 1))
    literalFrequencies = .allocate(capacity: DeflateAlphabet.literalLengthSymbols)
    distanceFrequencies = .allocate(capacity: DeflateAlphabet.distanceSymbols)
    codeLengthFrequencies = .allocate(capacity: DeflateAlphabet.codeLengthSymbols)
    headerSymbols = .allocate(
      capacity: DeflateAlphabet.literalLengthSymbols + DeflateAlphabet.distanceSymbols)
    combinedLengths = .allocate(
      capacity: DeflateAlphabet.literalLengthSymbols + DeflateAlphabet.distanceSymbols)
    fixedLiteralCode = HuffmanCode(lengths: DeflateAlphabet.fixedLiteralLengthBits)
    fixedDistanceCode = HuffmanCode(
      lengths: [UInt8](
        repeating: UInt8(DeflateAlphabet.fixedDistanceBits), count: DeflateAlphabet.distanceSymbols))
  }

  deinit {
    matches.deallocate()
    items.deallocate()
    literalFrequencies.deallocate()
    distanceFrequencies.deallocate()
    codeLengthFrequencies.deallocate()
    headerSymbols.deallocate()
    combinedLengths.deallocate()
    scratch.deallocate()
    for code in [literalCode, distanceCode, codeLengthCode, fixedLiteralCode, fixedDistanceCode] {
      code.deallocate()
    }
  }

  /// The most a page's stream takes in `output`: a stream is only written when it is
  /// smaller than the page, and the bit writer may spill one word past its end.
  public var outputCapacity: Int { pageSize + 8 }

  /// One zlib stream of the page at `page` (`pageSize` bytes) into `output`
  /// (`outputCapacity` bytes); nil when the stream would not be smaller than the page.
  ///
  /// `shortMatches` false: with the kernel pages' search, matches of 4 bytes at least
  /// (`Search.longMatches`). 3-byte matches pay on pages of addresses and small counters,
  /// whose words share a top byte: without them such pages' streams were 20-25% larger,
  /// and other pages' within 3% either way. Every page searched without them took 12%
  /// fewer instructions and 23% fewer mispredicted branches (5.10 -d 1, callgrind, memset
  /// aside); only the pages `ShortMatchPage` picks, 6% and 20%. The caller tells which a
  /// page is (`PageEncoder`: the sampled top bytes).
  public func compress(
    _ page: UnsafeRawPointer, into output: UnsafeMutableRawPointer, shortMatches: Bool = true
  ) -> Int? {
    literalFrequencies.initialize(repeating: 0, count: DeflateAlphabet.literalLengthSymbols)
    distanceFrequencies.initialize(repeating: 0, count: DeflateAlphabet.distanceSymbols)
    let count = matches.parse(
      page, items: items, literalFrequencies: literalFrequencies, distanceFrequencies: distanceFrequencies,
      shortMatches: shortMatches)
    literalFrequencies[DeflateAlphabet.endOfBlock] = 1
    let literalBits = literalCode.build(frequencies: literalFrequencies, limit: 15, scratch: &scratch)
    let distanceBits = distanceCode.build(frequencies: distanceFrequencies, limit: 15, scratch: &scratch)
    let extraBits = matchExtraBits()
    let header = dynamicHeader()
    let dynamicBits = 3 + header.bits + extraBits + literalBits + distanceBits
    let fixedBits = 3 + extraBits + fixedCodeBits()
    let dynamic = dynamicBits < fixedBits
    let size = 2 + ((dynamic ? dynamicBits : fixedBits) + 7) / 8 + 4
    guard size < pageSize else { return nil }

    // RFC 1950 §2.2: deflate with a 32 KiB window (0x78), the fastest level's flag, the
    // pair a multiple of 31 as compress2 at level 1 writes it.
    var writer = DeflateBitWriter(output, offset: 0)
    writer.putByte(0x78)
    writer.putByte(0x01)
    if dynamic {
      writer.put(1 | 2 << 1, 3)
      writeHeader(header, into: &writer)
      writeItems(page, count, literalCode, distanceCode, into: &writer)
    } else {
      writer.put(1 | 1 << 1, 3)
      writeItems(page, count, fixedLiteralCode, fixedDistanceCode, into: &writer)
    }
    _ = writer.finish()
    let checksum = Adler32.checksum(page, count: pageSize)
    for shift in stride(from: 24, through: 0, by: -8) {
      writer.putByte(UInt8(truncatingIfNeeded: checksum >> shift))
    }
    return writer.offset
  }

  // MARK: Block

  /// Bits of the matches' extra fields, the same under either code.
  private func matchExtraBits() -> Int {
    var bits = 0
    for code in 0..<29 { bits += Int(literalFrequencies[257 + code]) * DeflateAlphabet.lengthExtraBits[code] }
    for code in 0..<30 { bits += Int(distanceFrequencies[code]) * Int(tables.distanceExtraBits[code]) }
    return bits
  }

  /// Bits of the literals, lengths and distances under the fixed code (§3.2.6): each
  /// run of symbols of one length summed, which the compiler turns into vector adds.
  private func fixedCodeBits() -> Int {
    func sum(_ frequencies: UnsafeMutablePointer<UInt32>, _ range: Range<Int>) -> Int {
      var total: UInt32 = 0
      for symbol in range { total &+= frequencies[symbol] }
      return Int(total)
    }
    var bits =
      DeflateAlphabet.fixedDistanceBits * sum(distanceFrequencies, 0..<DeflateAlphabet.distanceSymbols)
    for run in fixedLiteralRuns {
      bits +=
        run.bits * sum(literalFrequencies, run.symbols.clamped(to: 0..<DeflateAlphabet.literalLengthSymbols))
    }
    return bits
  }

  struct DynamicHeader {
    var literals: Int
    var distances: Int
    var codeLengths: Int
    var symbols: Int
    var bits: Int
  }

  /// The dynamic block's header (RFC 1951 §3.2.7): both codes' lengths as one sequence,
  /// runs written as repeats, coded with a third code of at most 7 bits.
  private func dynamicHeader() -> DynamicHeader {
    var literals = DeflateAlphabet.literalLengthSymbols
    while literals > 257 && literalCode.lengths[literals - 1] == 0 { literals -= 1 }
    var distances = DeflateAlphabet.distanceSymbols
    while distances > 1 && distanceCode.lengths[distances - 1] == 0 { distances -= 1 }
    for index in 0..<literals { combinedLengths[index] = literalCode.lengths[index] }
    for index in 0..<distances { combinedLengths[literals + index] = distanceCode.lengths[index] }
    codeLengthFrequencies.initialize(repeating: 0, count: DeflateAlphabet.codeLengthSymbols)
    let total = literals + distances
    var symbols = 0
    func emit(_ symbol: UInt32, _ extra: Int = 0) {
      headerSymbols[symbols] = symbol | UInt32(truncatingIfNeeded: extra) &<< 8
      codeLengthFrequencies[Int(symbol)] &+= 1
      symbols &+= 1
    }
    var index = 0
    while index < total {
      let length = combinedLengths[index]
      var end = index &+ 1
      while end < total && combinedLengths[end] == length { end &+= 1 }
      var run = end &- index
      index = end
      if length == 0 {
        while run >= 11 {
          let taken = min(run, 138)
          emit(18, taken &- 11)
          run &-= taken
        }
        if run >= 3 {
          emit(17, run &- 3)
          run = 0
        }
      } else {
        emit(UInt32(length))
        run &-= 1
        while run >= 3 {
          let taken = min(run, 6)
          emit(16, taken &- 3)
          run &-= taken
        }
      }
      while run > 0 {
        emit(UInt32(length))
        run &-= 1
      }
    }
    let codeLengthBits = codeLengthCode.build(frequencies: codeLengthFrequencies, limit: 7, scratch: &scratch)
    var codeLengths = DeflateAlphabet.codeLengthSymbols
    while codeLengths > 4 && codeLengthCode.lengths[codeLengthOrder[codeLengths - 1]] == 0 {
      codeLengths -= 1
    }
    var bits = 5 + 5 + 4 + 3 * codeLengths + codeLengthBits
    for symbol in 16...18 {
      bits += Int(codeLengthFrequencies[symbol]) * DeflateAlphabet.repeatExtraBits[symbol - 16]
    }
    return DynamicHeader(
      literals: literals, distances: distances, codeLengths: codeLengths, symbols: symbols, bits: bits)
  }

  private func writeHeader(_ header: DynamicHeader, into writer: inout DeflateBitWriter) {
    writer.put(UInt32(header.literals - 257), 5)
    writer.put(UInt32(header.distances - 1), 5)
    writer.put(UInt32(header.codeLengths - 4), 4)
    for index in 0..<header.codeLengths {
      writer.put(UInt32(codeLengthCode.lengths[codeLengthOrder[index]]), 3)
    }
    let extraBits = DeflateAlphabet.repeatExtraBits
    for index in 0..<header.symbols {
      let symbol = Int(headerSymbols[index] & 0xFF)
      let entry = codeLengthCode.entries[symbol]
      writer.put(entry & 0xFFFF, Int(entry &>> 16))
      if symbol >= 16 { writer.put(headerSymbols[index] >> 8, extraBits[symbol - 16]) }
    }
  }

  private func writeItems(
    _ page: UnsafeRawPointer, _ pairs: Int, _ literals: HuffmanCode, _ distances: HuffmanCode,
    into outer: inout DeflateBitWriter
  ) {
    var writer = outer
    defer { outer = writer }
    let bytes = page.assumingMemoryBound(to: UInt8.self)
    let (literalEntries, distanceEntries) = (literals.entries, distances.entries)
    @inline(__always) func code(_ entry: UInt32) -> UInt64 { UInt64(entry & 0xFFFF) }
    @inline(__always) func bits(_ entry: UInt32) -> UInt64 { UInt64(entry &>> 16) }
    var offset = 0
    for pair in 0..<pairs {
      // The literals, three to a write: codes are at most 15 bits, 45 in all.
      let end = offset &+ Int(items[2 &* pair])
      while offset &+ 3 <= end {
        let first = literalEntries[Int(bytes[offset])]
        let second = literalEntries[Int(bytes[offset &+ 1])]
        let third = literalEntries[Int(bytes[offset &+ 2])]
        let firstTwo = bits(first) &+ bits(second)
        writer.put(
          wide: code(first) | code(second) &<< bits(first) | code(third) &<< firstTwo,
          Int(truncatingIfNeeded: firstTwo &+ bits(third)))
        offset &+= 3
      }
      if offset < end {
        let first = literalEntries[Int(bytes[offset])]
        var value = code(first)
        var count = bits(first)
        if offset &+ 1 < end {
          let second = literalEntries[Int(bytes[offset &+ 1])]
          value |= code(second) &<< count
          count &+= bits(second)
        }
        writer.put(wide: value, Int(truncatingIfNeeded: count))
        offset = end
      }
      let match = items[2 &* pair &+ 1]
      guard match != 0 else { break }
      // The length's code and extra bits, then the distance's: at most 15 + 5 + 15 + 13.
      let length = Int(match &>> 16)
      let lengthEntry = literalEntries[257 &+ Int(tables.lengthCode[length])]
      let lengthExtra = UInt64(tables.lengthExtra[length])
      let distance = Int(match & 0xFFFF)
      let distanceSymbol = tables.distanceCode(distance)
      let distanceEntry = distanceEntries[distanceSymbol]
      var value = code(lengthEntry) | (lengthExtra & 0xFF) &<< bits(lengthEntry)
      var count = bits(lengthEntry) &+ lengthExtra &>> 8
      value |= code(distanceEntry) &<< count
      count &+= bits(distanceEntry)
      value |= UInt64(truncatingIfNeeded: distance &- Int(tables.distanceBase[distanceSymbol])) &<< count
      count &+= UInt64(tables.distanceExtraBits[distanceSymbol])
      writer.put(wide: value, Int(truncatingIfNeeded: count))
      offset &+= length
    }
    let endOfBlock = literalEntries[DeflateAlphabet.endOfBlock]
    writer.put(wide: code(endOfBlock), Int(truncatingIfNeeded: bits(endOfBlock)))
  }
}
