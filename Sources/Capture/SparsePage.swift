/// A page of few distinct bytes, most of them zero: a structure or two, a bitmap, a table
/// of small counters in an otherwise empty page. zstd stores such a page's literals raw
/// (`PageEncoder`): it leaves a few hundred literal bytes, and coding them with Huffman
/// costs about as much time as the rest of the page (a table is built and described for
/// each frame) to save some 40 bytes.
///
/// Measured with libzstd 1.5.4 at level 1 on the -d 31 pages of the lab's panic dumps
/// (those not one repeated word; a C loop, best of seven): on 6.1's, the 5,373 pages this
/// picks of 14,149 took 4.1 us a page with raw literals against 7.0 with Huffman-coded
/// ones, 1.80 MB against 1.61. Chosen on 6.1's and 6.12's pages, 5.10's and sid's looked
/// at only after. In whole captures (`scripts/bench-capture -n 5`, the zstd-huffman row,
/// three runs): -d 31 took 3-8% less time for 0.5-1.3% more bytes on the four dumps, -d 1
/// 1-5% less for 0.1-0.4% more.
///
/// A page whose sampled bytes are more than half zero is sparse too, whatever its other
/// values (`mostlyZerosAbove`): zstd leaves its literals raw anyway on most of them, after
/// building a Huffman table for nothing, and the raw-literals context's 4-byte matches
/// win back what the others lose. Among the same pages, those this adds and their bytes:
/// on 6.1's and 6.12's, where it was chosen (the point past which each page more costs
/// bytes: more than 64 of 128 samples zero, 2,144 pages, 7,327 bytes more; 72, 1,396 and
/// 4,291; 56, 2,398 and 15,460; 48, 2,653 and 28,758), 1,541 of them left raw by zstd
/// with Huffman-coding at hand (a C loop over the pages, libzstd 1.5.4, the encoder's two
/// contexts); on 5.10's and sid's, printed beside them (not unseen, then), 2,487 pages,
/// 1,929 left raw, 1,089 bytes more. Whole captures at -d 31 (callgrind, instructions):
/// 4.0% fewer on 5.10, 2.0% on 6.1, 2.1% on 6.12, 1.1% on sid, the dumps within 0.05% of
/// their size before; paired (task-clock, medians of 11) 5.10 169.9 to 163.5 ms, 6.1 192.7
/// to 187.6.
///
/// And so is a page of 64-bit fields (`isSparse(topDistinct:low:size:)`): fewer than 8
/// top-byte values, fewer than 48 low-byte values, at least 40 of 128 low bytes zero
/// (structures of small integers and flags). Huffman saves some 20-35 bytes a page there.
/// Read off a table of those three counts' cells for 6.1's and 6.12's pages, with 5.10's
/// and sid's printed beside it (so not unseen for this rule): on 6.1 and 6.12, 829 and 488
/// more pages, 0.17% and 0.06% of the -d 31 zstd dumps, 2.1% and 1.0% fewer instructions
/// (the C loop); on 5.10 and sid, 768 and 1,019 pages, 0.18% and 0.08%, 1.9% and 1.5%.
/// Paired whole captures at -d 31 (task-clock, medians of 9): 5.10 164.2 to 161.3 ms, 6.1
/// 188.2 to 183.5.
enum SparsePage {
  /// Bytes sampled: one every 32 from the page's first, as 64-bit fields' low bytes.
  static let stride = 32
  /// Fewer distinct sampled values than this ...
  static let distinctBelow = 16
  /// ... and more sampled zero bytes than this (of 128 on a 4 KiB page).
  static let zerosAbove = 48
  /// More sampled zero bytes than this, whatever the other values.
  static let mostlyZerosAbove = 64
  /// Pages of fields: fewer top-byte values than this, fewer low-byte values than
  /// `fieldsLowDistinctBelow`, and at least `fieldsZerosFrom` zero low bytes of 128.
  static let fieldsTopDistinctBelow = 8
  static let fieldsLowDistinctBelow = 48
  static let fieldsZerosFrom = 40

  /// What the encoder decides for the page at `page`, from both samples.
  static func isSparse(_ page: UnsafeRawPointer, size: Int) -> Bool {
    isSparse(
      topDistinct: IncompressiblePage.samples(page, size: size).distinct, low: samples(page, size: size),
      size: size)
  }

  /// The test's samples: one byte every `stride` from offset 0, the low byte of a 64-bit
  /// word, zeros counted (`AddressTablePage` reads them too).
  @inline(__always)
  static func samples(_ page: UnsafeRawPointer, size: Int) -> (distinct: Int, zeros: Int) {
    SampledBytes.count(page, size: size, from: 0, stride: stride, countingZeros: true)
  }

  /// The test on samples taken already: `low` (`samples`), and `topDistinct`, the values
  /// among the top bytes `IncompressiblePage.samples` reads, for pages of fields.
  static func isSparse(topDistinct: Int, low: (distinct: Int, zeros: Int), size: Int) -> Bool {
    // Scaled to the page: the thresholds are for 128 samples.
    let samples = (size + stride - 1) / stride
    return low.zeros * 128 > mostlyZerosAbove * samples
      || (low.distinct < distinctBelow && low.zeros * 128 > zerosAbove * samples)
      || (topDistinct < fieldsTopDistinctBelow && low.distinct < fieldsLowDistinctBelow
        && low.zeros * 128 >= fieldsZerosFrom * samples)
  }
}
