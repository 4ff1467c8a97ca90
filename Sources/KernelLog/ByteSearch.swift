/// Substring search on UTF-8 bytes. The standard library's generic search builds
/// a table per call, which dominates a scan that asks a few questions of every
/// line of a large log; log lines are short, so a first-byte loop is faster.
extension String {
  func contains(_ needle: String) -> Bool {
    // Native strings lend their bytes without a copy or a mutable access (which
    // retained and released both strings: the wrapper cost more than the search).
    if let found = utf8.withContiguousStorageIfAvailable({ text in
      needle.utf8.withContiguousStorageIfAvailable { wanted in
        ByteSearch.firstIndex(of: wanted, in: text) != nil
      }
    }), let found {
      return found
    }
    var haystack = self
    var pattern = needle
    return haystack.withUTF8 { text in
      pattern.withUTF8 { wanted in ByteSearch.firstIndex(of: wanted, in: text) != nil }
    }
  }
}

enum ByteSearch {
  static func firstIndex(of needle: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let first = needle.first else { return 0 }
    guard text.count >= needle.count, let base = text.baseAddress else { return nil }
    let last = text.count - needle.count
    var index = 0
    while index <= last {
      guard let candidate = nextByte(first, in: base, from: index, through: last, count: text.count) else {
        return nil
      }
      var offset = 1
      while offset < needle.count, text[candidate + offset] == needle[offset] { offset += 1 }
      if offset == needle.count { return candidate }
      index = candidate + 1
    }
    return nil
  }

  /// The first position in `start...last` holding `byte`, eight bytes at a time:
  /// `(w - 0x01..01) & ~w & 0x80..80` is non-zero when the word `w` (the bytes
  /// XOR the wanted byte) has a zero byte, and its lowest set bit marks the first.
  static func nextByte(
    _ byte: UInt8, in base: UnsafePointer<UInt8>, from start: Int, through last: Int, count: Int
  ) -> Int? {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let pattern = UInt64(byte) &* ones
    var index = start
    while index + 8 <= count, index <= last {
      let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) ^ pattern
      let zero = (word &- ones) & ~word & 0x8080_8080_8080_8080
      if zero != 0 {
        let found = index + zero.trailingZeroBitCount / 8
        return found <= last ? found : nil
      }
      index += 8
    }
    while index <= last {
      if base[index] == byte { return index }
      index += 1
    }
    return nil
  }
}

extension Substring {
  /// `hasPrefix` on UTF-8 bytes: the generic one compares Characters. Compared
  /// through the contiguous bytes (the generic `starts(with:)` over two UTF-8
  /// views walks them index by index; stack traces ask it of every line).
  func hasBytePrefix(_ prefix: String) -> Bool {
    var text = self
    var wanted = prefix
    return text.withUTF8 { bytes in
      wanted.withUTF8 { start in
        guard bytes.count >= start.count else { return false }
        for index in 0..<start.count where bytes[index] != start[index] { return false }
        return true
      }
    }
  }
}
