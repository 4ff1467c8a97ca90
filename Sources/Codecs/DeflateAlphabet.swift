/// The symbols of a deflate block (RFC 1951 §3.2.5): 286 literal/length symbols (0-255
/// literals, 256 the end of the block, 257-285 match lengths 3-258 with extra bits) and 30
/// distance symbols (distances 1-32768 with extra bits), with the tables an encoder needs
/// to turn a length or distance into its symbol and extra bits.
enum DeflateAlphabet {
  static let endOfBlock = 256
  static let literalLengthSymbols = 286
  static let distanceSymbols = 30
  /// The code-length alphabet of a dynamic block's header (§3.2.7): 0-15 lengths, 16
  /// repeat the previous 3-6 times, 17 and 18 runs of zeros of 3-10 and 11-138.
  static let codeLengthSymbols = 19
  /// Extra bits of the code-length symbols 16, 17 and 18 (§3.2.7): the repeat counts.
  static let repeatExtraBits = [2, 3, 7]
  /// The order in which a dynamic header lists the code-length code's lengths (§3.2.7).
  static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
  static let minimumMatch = 3
  static let maximumMatch = 258
  static let maximumDistance = 32768

  /// Extra bits of length symbols 257-285: none for lengths 3-10, then one more bit every
  /// four symbols, and none for 258, which has a symbol of its own.
  static let lengthExtraBits: [Int] = (0..<29).map { code in
    code < 8 || code == 28 ? 0 : (code - 4) >> 2
  }
  static let lengthBase: [Int] = {
    var base = [Int](repeating: 0, count: 29)
    var next = 3
    for code in 0..<28 {
      base[code] = next
      next += 1 << lengthExtraBits[code]
    }
    base[28] = 258
    return base
  }()
  /// Extra bits of distance symbols: none for 1-4, then one more bit every two symbols.
  static let distanceExtraBits: [Int] = (0..<30).map { code in code < 4 ? 0 : (code - 2) >> 1 }
  static let distanceBase: [Int] = {
    var base = [Int](repeating: 0, count: 30)
    var next = 1
    for code in 0..<30 {
      base[code] = next
      next += 1 << distanceExtraBits[code]
    }
    return base
  }()

  /// For each match length 0-258, its length code (symbol - 257); 0-2 unused.
  static let lengthCode: [UInt8] = {
    var table = [UInt8](repeating: 0, count: maximumMatch + 1)
    for code in 0..<29 {
      let count = code == 28 ? 1 : 1 << lengthExtraBits[code]
      for length in lengthBase[code]..<(lengthBase[code] + count) where length <= maximumMatch {
        table[length] = UInt8(code)
      }
    }
    return table
  }()

  /// The distance code of distances 1-256 from `distance - 1`, and of 257-32768 from
  /// `(distance - 1) >> 7`: codes 16 and up span multiples of 128, so two 256-entry tables
  /// cover every distance.
  static let nearDistanceCode: [UInt8] = (0..<256).map { code(ofDistance: $0 + 1) }
  static let farDistanceCode: [UInt8] = (0..<256).map { code(ofDistance: ($0 << 7) + 1) }

  private static func code(ofDistance distance: Int) -> UInt8 {
    var code = 29
    while distanceBase[code] > distance { code -= 1 }
    return UInt8(code)
  }

  /// The fixed code's lengths (§3.2.6), as runs of symbols: literals 0-143 take 8 bits,
  /// 144-255 nine, 256-279 seven, 280-287 eight.
  static let fixedLiteralRuns: [(symbols: Range<Int>, bits: Int)] = [
    (0..<144, 8), (144..<256, 9), (256..<280, 7), (280..<288, 8),
  ]
  /// Every distance takes five bits in the fixed code.
  static let fixedDistanceBits = 5
  static let fixedLiteralLengthBits: [UInt8] = fixedLiteralRuns.flatMap { run in
    [UInt8](repeating: UInt8(run.bits), count: run.symbols.count)
  }

  /// The tables above as one allocation made once, for the encoder's inner loops: a
  /// static array is reached through a lazy-initialization check at every use.
  struct Tables: @unchecked Sendable {
    /// Per match length 0-258: the length code (symbol - 257).
    let lengthCode: UnsafeMutablePointer<UInt8>
    /// Per match length: its extra bits' count << 8 | their value.
    let lengthExtra: UnsafeMutablePointer<UInt16>
    let nearDistanceCode: UnsafeMutablePointer<UInt8>
    let farDistanceCode: UnsafeMutablePointer<UInt8>
    let distanceExtraBits: UnsafeMutablePointer<UInt8>
    let distanceBase: UnsafeMutablePointer<UInt16>
    /// Each byte with its bits in reverse order: Huffman codes are sent from their most
    /// significant bit, into a stream packed from the least (§3.1.1).
    let reversedBytes: UnsafeMutablePointer<UInt8>

    /// Both tables are read and one value picked, with no branch: in a page, near and
    /// far distances come in no order a branch predictor learns.
    @inline(__always)
    func distanceCode(_ distance: Int) -> Int {
      let near = Int(nearDistanceCode[min(distance &- 1, 255)])
      let far = Int(farDistanceCode[(distance &- 1) &>> 7 & 255])
      return distance <= 256 ? near : far
    }
  }

  static let tables: Tables = {
    let tables = Tables(
      lengthCode: .allocate(capacity: maximumMatch + 1), lengthExtra: .allocate(capacity: maximumMatch + 1),
      nearDistanceCode: .allocate(capacity: 256), farDistanceCode: .allocate(capacity: 256),
      distanceExtraBits: .allocate(capacity: distanceSymbols),
      distanceBase: .allocate(capacity: distanceSymbols),
      reversedBytes: .allocate(capacity: 256))
    for byte in 0..<256 {
      var reversed = 0
      for bit in 0..<8 where byte & (1 << bit) != 0 { reversed |= 0x80 >> bit }
      tables.reversedBytes[byte] = UInt8(reversed)
    }
    for length in 0...maximumMatch {
      let code = Int(lengthCode[length])
      tables.lengthCode[length] = lengthCode[length]
      let extra = length < minimumMatch ? 0 : length - lengthBase[code]
      tables.lengthExtra[length] = UInt16(lengthExtraBits[code] << 8 | extra)
    }
    for index in 0..<256 {
      tables.nearDistanceCode[index] = nearDistanceCode[index]
      tables.farDistanceCode[index] = farDistanceCode[index]
    }
    for code in 0..<distanceSymbols {
      tables.distanceExtraBits[code] = UInt8(distanceExtraBits[code])
      tables.distanceBase[code] = UInt16(distanceBase[code])
    }
    return tables
  }()
}
