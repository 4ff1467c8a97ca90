/// Substring search on UTF-8 bytes. The standard library's generic search builds
/// a table per call, which dominates a scan that asks a few questions of every
/// line of a large log; log lines are short, so a first-byte loop is faster.
extension String {
  func contains(_ needle: String) -> Bool {
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
    guard text.count >= needle.count else { return nil }
    let last = text.count - needle.count
    var index = 0
    while index <= last {
      if text[index] == first {
        var offset = 1
        while offset < needle.count, text[index + offset] == needle[offset] { offset += 1 }
        if offset == needle.count { return index }
      }
      index += 1
    }
    return nil
  }
}

extension Substring {
  /// `hasPrefix` on UTF-8 bytes: the generic one compares Characters.
  func hasBytePrefix(_ prefix: String) -> Bool {
    utf8.starts(with: prefix.utf8)
  }
}
