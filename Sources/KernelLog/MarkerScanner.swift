import CMarkerScan

/// Finds the lines of a large log that may start a report, without decoding the
/// rest: a two-byte bitmap rejects almost every position, a four-byte prefix
/// check and a full compare confirm the few that remain. Most of a log is not a
/// crash, so this loop is where a gigabyte of console output spends its time.
struct MarkerScanner {
  private let markers: [[UInt8]]
  /// Entry `b1 << 8 | b0` is non-zero when a marker starts with the bytes `b0 b1`:
  /// the index is the pair read as one little-endian 16-bit load. Each marker
  /// has one of seven bits (its group); bit 7 marks a pair that starts with a
  /// removed byte.
  private var pairs = [UInt8](repeating: 0, count: 1 << 16)
  /// The markers to compare for each starting pair, indexed by `b0 << 8 | b1`.
  private var candidates = [[Int]](repeating: [], count: 1 << 16)
  /// Entry `b3 << 8 | b2` (a little-endian load, as for `pairs`) holds the group bits
  /// of the markers with the bytes `b2 b3` after their first pair, and bit 7: a
  /// position passes when `pairs[first] & secondPairs[second]` is non-zero, so a
  /// common bigram of ordinary text that starts a marker (`in`, `un`) followed by
  /// the second pair of another group's marker (`te` of `Internal`) is rejected
  /// before any marker is compared, while a removed byte's bit 7 passes whatever
  /// follows it.
  private var secondPairs = [UInt8](repeating: 0x80, count: 1 << 16)

  /// The nibble tables of the vector step (see `cmarkerscan_next`): for the bytes at
  /// offsets 0 to 3 of a marker, 32 bytes of low-nibble entries then 32 of
  /// high-nibble entries (16 entries, twice). The markers in byte order are cut
  /// into eight runs, one bucket bit each: markers that share their first bytes
  /// share a bucket, so few mixes of two markers' nibbles pass (0.7% of the
  /// positions of the benchmark log, against 6% with marker `i` in bucket `i % 8`).
  private var nibbles = [UInt8](repeating: 0, count: 256)
  /// AVX2 is there: 32 positions are tested per step by the C vector step, and only
  /// those it keeps go through the tables above.
  static let vectorScan = cmarkerscan_supported() != 0
  /// Whether this scanner uses the vector step (the tests run both ways).
  private let vector: Bool

  init(markers: [String], vector: Bool = MarkerScanner.vectorScan) {
    self.vector = vector && MarkerScanner.vectorScan
    let encoded = markers.map { Array($0.utf8) }.filter { $0.count >= 2 }
    self.markers = encoded
    var rank = [Int](repeating: 0, count: encoded.count)
    for (position, index) in encoded.indices.sorted(by: { encoded[$0].lexicographicallyPrecedes(encoded[$1]) }
    )
    .enumerated() {
      rank[index] = position
    }
    for (index, marker) in encoded.enumerated() {
      let group = UInt8(1) << UInt8(index % 7)
      let bucket = UInt8(1) << UInt8(rank[index] * 8 / encoded.count)
      for offset in 0..<4 {
        for entry in 0..<16 {
          // A marker shorter than four bytes lets any byte through after its end.
          let low = offset >= marker.count || Int(marker[offset] & 0x0F) == entry
          let high = offset >= marker.count || Int(marker[offset] >> 4) == entry
          for copy in [0, 16] {
            if low { nibbles[offset * 64 + copy + entry] |= bucket }
            if high { nibbles[offset * 64 + 32 + copy + entry] |= bucket }
          }
        }
      }
      let key = UInt16(marker[0]) << 8 | UInt16(marker[1])
      pairs[Int(marker[1]) << 8 | Int(marker[0])] |= group
      candidates[Int(key)].append(index)
      if marker.count >= 4 {
        secondPairs[Int(marker[3]) << 8 | Int(marker[2])] |= group
      } else {
        // A marker of two or three bytes: any bytes may follow its first pair.
        for second in 0..<(1 << 16) { secondPairs[second] |= group }
      }
    }
    // A removed byte in the third or fourth place may split a marker: it passes too.
    for removed in MarkerScanner.removedBytes {
      for other in 0...255 {
        secondPairs[Int(removed) << 8 | other] |= 0x7F
        secondPairs[other << 8 | Int(removed)] |= 0x7F
      }
    }
    // Bytes the line cleaner removes (NUL, escapes, stray \r) may split a marker:
    // a line holding one is a candidate, decoded and searched after cleaning.
    for first in MarkerScanner.removedBytes {
      for second in 0...255 where !(first == 0x0D && second == 0x0A) {
        pairs[second << 8 | Int(first)] |= 0x80
      }
    }
  }

  static let removedBytes: [UInt8] = Array(0x00...0x08) + Array(0x0B...0x1F) + [0x7F]

  /// The offset of the first marker starting in `start..<end` (the whole rest
  /// of the buffer by default), or nil.
  func firstMarker(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, before end: Int? = nil) -> Int? {
    guard let base = bytes.baseAddress, bytes.count >= 2 else { return nil }
    let last = min(bytes.count - 1, end ?? bytes.count)
    var index = max(0, start)
    return pairs.withUnsafeBufferPointer { table -> Int? in
      guard let table = table.baseAddress else { return nil }
      return secondPairs.withUnsafeBufferPointer { second -> Int? in
        guard let second = second.baseAddress else { return nil }
        return nibbles.withUnsafeBufferPointer { nibbles -> Int? in
          let masks = vector ? nibbles.baseAddress : nil
          while index < last {
            index = MarkerScanner.nextCandidate(
              base: base, count: bytes.count, pairs: table, second: second, masks: masks, from: index,
              before: last)
            guard index < last else { return nil }
            let key = UInt16(base[index]) << 8 | UInt16(base[index + 1])
            if matches(at: index, key: key, in: bytes) { return index }
            index += 1
          }
          return nil
        }
      }
    }
  }

  /// The first position in `start..<last` whose first pair of bytes starts a
  /// marker and whose second pair may continue one of its group (or starts with
  /// a removed byte), or `last`. Near the end of the buffer, where no second pair is
  /// left, the first pair alone decides. Kept out of line so that its few values
  /// stay in registers: this loop runs once per byte of the log. Sixteen
  /// positions are tested per step with independent loads whose results are
  /// ORed, one branch per block (a per-byte branch and a key built from the
  /// previous byte made each test wait for the one before); a block with a hit
  /// is searched again position by position.
  @inline(never)
  static func nextCandidate(
    base: UnsafePointer<UInt8>, count: Int, pairs: UnsafePointer<UInt8>, second: UnsafePointer<UInt8>,
    masks: UnsafePointer<UInt8>?, from start: Int, before last: Int
  ) -> Int {
    let raw = UnsafeRawPointer(base)
    @inline(__always) func load(_ index: Int) -> Int {
      Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt16.self)))
    }
    @inline(__always) func test(_ index: Int) -> UInt8 { pairs[load(index)] & second[load(index + 2)] }
    var index = start
    if let masks {
      // The vector step skips what no marker can start and runs the pair tables on
      // what it keeps. It returns such a position, or where fewer than a whole
      // vector block is left: the blocks below take the rest (a console line is a
      // few dozen bytes, most of it after its last whole block).
      index = cmarkerscan_next(base, index, last, count, masks, pairs, second)
      if index < last, last - index >= 32, count - index >= 35 { return index }
    }
    // A block tests positions up to `index + 15` and reads bytes up to `index + 18`.
    while index + 16 <= last, index + 19 <= count {
      var hit = test(index) | test(index + 1) | test(index + 2) | test(index + 3)
      hit |= test(index + 4) | test(index + 5) | test(index + 6) | test(index + 7)
      hit |= test(index + 8) | test(index + 9) | test(index + 10) | test(index + 11)
      hit |= test(index + 12) | test(index + 13) | test(index + 14) | test(index + 15)
      if hit != 0 { break }
      index += 16
    }
    while index < last {
      if index + 3 < count ? test(index) != 0 : pairs[load(index)] != 0 { return index }
      index += 1
    }
    return last
  }

  private func matches(at index: Int, key: UInt16, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let first = UInt8(key >> 8)
    if first < 0x20 && first != 0x09 && first != 0x0A || first == 0x7F { return true }
    let list = candidates[Int(key)]
    for marker in list.lazy.map({ self.markers[$0] }) where index + marker.count <= bytes.count {
      var offset = 2
      while offset < marker.count, bytes[index + offset] == marker[offset] { offset += 1 }
      if offset == marker.count { return true }
    }
    return false
  }
}
