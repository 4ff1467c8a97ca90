/// Whether a page is deflated with 3-byte matches (`PageDeflater.compress`): a page whose
/// sampled top bytes (byte 7 of every fourth word, `IncompressiblePage.samples`) take one
/// value holds words that share their top byte: addresses of one region, small counters,
/// flags. Without 3-byte matches its stream was 20-25% larger.
/// On every other page 3-byte matches saved little for their search: streams within 3%
/// either way, 0.3-0.4% of the dump in all (the zlib dumps of the lab's 6.1, 6.12 and sid
/// panic scenes at -d 31 and 5.10's at -d 1, grouped by distinct top bytes; the rule was
/// read off 6.1's, the others looked at before it was written showed the same). A page of
/// one repeated word (no samples taken) keeps them.
enum ShortMatchPage {
  /// At most this many distinct top bytes among the samples.
  static let topBytesAtMost = 1

  /// `topDistinct`: the distinct values among the page's sampled top bytes, nil for a
  /// page of one repeated word.
  @inline(__always)
  static func matches(topDistinct: Int?) -> Bool {
    guard let topDistinct else { return true }
    return topDistinct <= topBytesAtMost
  }
}
