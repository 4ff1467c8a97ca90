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
/// contexts); on 5.10's and sid's, looked at after, 2,487 pages, 1,929 left raw, 1,089
/// bytes more. Whole captures at -d 31 (callgrind, instructions): 4.0% fewer on 5.10,
/// 2.0% on 6.1, 2.1% on 6.12, 1.1% on sid, the dumps within 0.05% of their size before.
enum SparsePage {
  /// Bytes sampled: one every 32 from the page's first, as 64-bit fields' low bytes.
  static let stride = 32
  /// Fewer distinct sampled values than this ...
  static let distinctBelow = 16
  /// ... and more sampled zero bytes than this (of 128 on a 4 KiB page).
  static let zerosAbove = 48
  /// More sampled zero bytes than this, whatever the other values.
  static let mostlyZerosAbove = 64

  static func isSparse(_ page: UnsafeRawPointer, size: Int) -> Bool {
    isSparse(sampled: samples(page, size: size), size: size)
  }

  /// The test's samples: one byte every `stride` from offset 0, the low byte of a 64-bit
  /// word, zeros counted (`AddressTablePage` reads them too).
  @inline(__always)
  static func samples(_ page: UnsafeRawPointer, size: Int) -> (distinct: Int, zeros: Int) {
    SampledBytes.count(page, size: size, from: 0, stride: stride, countingZeros: true)
  }

  /// The same test on samples taken already (`samples`).
  static func isSparse(sampled: (distinct: Int, zeros: Int), size: Int) -> Bool {
    // Scaled to the page: the thresholds are for 128 samples.
    let samples = (size + stride - 1) / stride
    return sampled.zeros * 128 > mostlyZerosAbove * samples
      || (sampled.distinct < distinctBelow && sampled.zeros * 128 > zerosAbove * samples)
  }
}
