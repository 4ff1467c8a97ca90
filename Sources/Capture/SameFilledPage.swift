/// Pages filled with one repeated word, and the streams their codec made of them.
///
/// Kernel memory holds many: freed init memory is filled with POISON_FREE_INITMEM (0xcc,
/// include/linux/poison.h; `free_init_pages` on x86), as is the padding between the x86
/// kernel image's sections (int3, arch/x86/kernel/vmlinux.lds.S), and freed slab objects
/// with POISON_FREE (0x6b) when slab poisoning is on. Of the non-zero kernel pages of the lab's panic dumps, a page of
/// 0xcc alone is 6% (5.10), 10% (6.1) and 21% (6.12); at dump level 1, 20% of 6.1's.
/// zram finds the same pages the same way and stores only their word
/// (drivers/block/zram/zram_drv.c, `page_same_filled`). A kdump page must be a codec's
/// stream, so here a page's stream is compressed once per word and copied after that:
/// each codec's stream is a function of the page alone (PageDeflater clears its table for
/// every page; zstd's frames do not depend on the context's earlier frames), so the copy
/// is the stream the codec would have written, byte for byte.
struct SameFilledPage {
  /// The word that fills the page, or nil when its words differ.
  static func word(_ page: UnsafeRawPointer, size: Int) -> UInt64? {
    let words = page.assumingMemoryBound(to: UInt64.self)
    let first = words[0]
    var index = 1
    // Most pages differ in their first words: the loop ends at once for them.
    while index < size / 8 {
      if words[index] != first { return nil }
      index += 1
    }
    return first
  }

  /// Streams this long or shorter are kept; a same-filled page's stream is about 20-40
  /// bytes in every codec, a raw page (nil) takes no room.
  static let largestStream = 64
  static let slots = 4

  private var words = [UInt64](repeating: 0, count: slots)
  /// A slot's stream size; -1 for a page its codec stores raw; nil for an empty slot.
  private var sizes = [Int?](repeating: nil, count: slots)
  private let streams = UnsafeMutableRawPointer.allocate(byteCount: slots * largestStream, alignment: 16)
  private var next = 0

  func deallocate() { streams.deallocate() }

  /// The stream of a page filled with `word`, copied into `output` from an earlier page
  /// filled with it, or made by `compress` and kept. nil: the page is stored raw.
  mutating func stream(
    _ word: UInt64, into output: UnsafeMutableRawPointer, compress: () -> Int?
  ) -> Int? {
    for slot in 0..<Self.slots where sizes[slot] != nil && words[slot] == word {
      let size = sizes[slot]!
      guard size >= 0 else { return nil }
      output.copyMemory(from: streams + slot * Self.largestStream, byteCount: size)
      return size
    }
    let size = compress()
    if let size, size > Self.largestStream { return size }
    let slot = next
    next = (next + 1) % Self.slots
    words[slot] = word
    sizes[slot] = size ?? -1
    if let size { (streams + slot * Self.largestStream).copyMemory(from: output, byteCount: size) }
    return size
  }
}
