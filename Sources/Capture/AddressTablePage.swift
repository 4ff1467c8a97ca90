/// A page of 64-bit words that all share their top byte and whose low bytes are seldom
/// zero: a table of kernel pointers (0xffff... direct-map and text addresses), or of
/// page-table entries whose physical addresses fill the middle bytes. zstd's level 1 finds
/// few matches of 4 bytes in such a page, each word differing from its neighbours below
/// its top bytes, and leaves long runs of literals or many short sequences, while deflate
/// codes the repeated high bytes as 3-byte matches a few words back. In a zstd dump such a
/// page is deflated instead (`PageEncoder`: each page descriptor names its codec).
///
/// Chosen on the -d 31 pages of the lab's 6.1 and 6.12 panic dumps (those not one
/// repeated word, not random, not sparse: 14,149 and 17,833), zlib level 1 standing in for
/// the deflater: the pages whose sampled top bytes take one value and whose sampled low
/// bytes are zero at most 4 times in 128 were 826 and 1,135 of them, and deflating them
/// took 1.96% and 1.89% off those pages' streams (zstd, and the smaller of zstd and zlib
/// where zstd left 90% literals). Checked afterwards on 5.10's and sid's, in whole -d 31
/// captures with zstd's 4-byte matches: 1.92% and 0.77% smaller (6.1's 1.62%, 6.12's
/// 0.99%). On 6.1's such pages zstd took 20 us a page and the deflater 19.5.
enum AddressTablePage {
  /// At most this many distinct top bytes among the samples (one every 32 bytes, byte 7
  /// of a word) ...
  static let topBytesAtMost = 1
  /// ... and at most this many zero low bytes (byte 0 of a word, one every 32 bytes), of
  /// 128 on a 4 KiB page.
  static let zeroLowBytesAtMost = 4

  /// `topDistinct`: the distinct values among the page's bytes sampled from offset 7
  /// (`IncompressiblePage.samples`); `lowZeros`: the zeros among those from offset 0
  /// (`SparsePage.samples`).
  static func matches(topDistinct: Int, lowZeros: Int, size: Int) -> Bool {
    // Scaled to the page: the thresholds are for 128 samples.
    let samples = (size + SparsePage.stride - 1) / SparsePage.stride
    return topDistinct <= topBytesAtMost && lowZeros * 128 <= zeroLowBytesAtMost * samples
  }
}
