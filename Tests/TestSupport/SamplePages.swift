/// 4 KiB pages of the kinds the capture's codecs are chosen on, built in the tests.
public enum SamplePages {
  /// A table of 32-bit offsets rising by 3 to 5, as kernel pages hold: its bytes repeat
  /// three at a time (deflate's shortest match), rarely four (zstd's shortest for pages).
  public static let offsetTable: [UInt8] = {
    var offset: UInt32 = 0x4A8
    return (0..<1024).flatMap { index -> [UInt8] in
      defer { offset += 3 + UInt32(index * 7 % 3) }
      return withUnsafeBytes(of: offset.littleEndian) { [UInt8]($0) }
    }
  }()

  /// One line of C repeated: long matches everywhere.
  public static let text = Array(
    String(repeating: "struct page *page = pfn_to_page(pfn);\n", count: 108).utf8.prefix(4096))
}
