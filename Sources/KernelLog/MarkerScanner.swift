/// Finds the lines of a large log that may start a report, without decoding the
/// rest: a two-byte bitmap rejects almost every position, a four-byte prefix
/// check and a full compare confirm the few that remain. Most of a log is not a
/// crash, so this loop is where a gigabyte of console output spends its time.
struct MarkerScanner {
  private let markers: [[UInt8]]
  /// Entry `b0 << 8 | b1` is 1 when a marker starts with the bytes `b0 b1` (a
  /// byte per pair, not a bit: one load and one test per byte of the log).
  private var pairs = [UInt8](repeating: 0, count: 1 << 16)
  /// The markers to compare for each starting pair, indexed by the pair.
  private var candidates = [[Int]](repeating: [], count: 1 << 16)
  /// Entry `b2 << 8 | b3` is 1 when some marker has the bytes `b2 b3` after its first
  /// pair: a starting pair that is a common bigram of ordinary text (`in`, `ke`, `st`)
  /// is rejected with one more load, before any marker is compared.
  private var secondPairs = [UInt8](repeating: 0, count: 1 << 16)

  init(markers: [String]) {
    let encoded = markers.map { Array($0.utf8) }.filter { $0.count >= 2 }
    self.markers = encoded
    for (index, marker) in encoded.enumerated() {
      let key = UInt16(marker[0]) << 8 | UInt16(marker[1])
      pairs[Int(key)] = 1
      candidates[Int(key)].append(index)
      if marker.count >= 4 {
        secondPairs[Int(marker[2]) << 8 | Int(marker[3])] = 1
      } else {
        // A marker of two or three bytes: any bytes may follow its first pair.
        for second in 0..<(1 << 16) { secondPairs[second] = 1 }
      }
    }
    // A removed byte in the third or fourth place may split a marker: it passes too.
    for removed in MarkerScanner.removedBytes {
      for other in 0...255 {
        secondPairs[Int(removed) << 8 | other] = 1
        secondPairs[other << 8 | Int(removed)] = 1
      }
    }
    // Bytes the line cleaner removes (NUL, escapes, stray \r) may split a marker:
    // a line holding one is a candidate, decoded and searched after cleaning.
    for first in MarkerScanner.removedBytes {
      for second in 0...255 where !(first == 0x0D && second == 0x0A) {
        let key = Int(first) << 8 | second
        pairs[key] = 1
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
        while index < last {
          index = MarkerScanner.nextPair(base: base, table: table, from: index, before: last)
          guard index < last else { return nil }
          let first = base[index]
          let removed = first < 0x20 && first != 0x09 && first != 0x0A || first == 0x7F
          if !removed, index + 3 < bytes.count, second[Int(base[index + 2]) << 8 | Int(base[index + 3])] == 0
          {
            index += 1
            continue
          }
          let key = UInt16(first) << 8 | UInt16(base[index + 1])
          if matches(at: index, key: key, in: bytes) { return index }
          index += 1
        }
        return nil
      }
    }
  }

  /// The first position from `index` whose pair of bytes starts a marker, or
  /// `last`. Kept out of line so that its few values stay in registers: this
  /// loop runs once per byte of the log.
  @inline(never)
  static func nextPair(
    base: UnsafePointer<UInt8>, table: UnsafePointer<UInt8>, from start: Int, before last: Int
  ) -> Int {
    var index = start
    guard index < last else { return last }
    var key = Int(base[index])
    while index < last {
      key = (key << 8 | Int(base[index + 1])) & 0xFFFF
      if table[key] != 0 { return index }
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
