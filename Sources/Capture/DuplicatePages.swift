import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Pages whose bytes equal an earlier page's are stored once: the later page's descriptor
/// points at the earlier page's stream, as every zero page points at the one zero page
/// (makedumpfile's format, vmcore-format.md §7: a descriptor is an offset, a size and a
/// codec flag, and nothing asks that two descriptors' data differ). crash, drgn and
/// makedumpfile read a page through its descriptor alone.
///
/// Memory holds many copies of one page: a file's pages cached twice (a loop device, an
/// initramfs and its unpacked files), the same library or image in several containers,
/// buffers filled from one source. In the lab's panic dumps at -d 1, 10-21% of the pages
/// that are not one repeated word equal an earlier one, mostly pages that barely compress
/// (3.0 and 3.9 KB a page deflated on 5.10 and 6.1): stored once, the zlib dumps of 5.10,
/// 6.1, 6.12 and sid are 10%, 24%, 22% and 26% smaller, for 0-4% more time (README,
/// "Identical pages").
///
/// A table of 2^15 entries, each the last page seen with one slot of a 64-bit hash of the
/// page's bytes, found by the hash's low bits: 1.25 MiB whatever the dump's size, so a copy
/// far from its original is missed when other pages took the slot between. A match of the
/// hash is no proof: the earlier page is read again and compared byte for byte before the
/// later one is made to point at it. The table is filled in frame order, before any page
/// is compressed, so which pages are copies does not depend on `--threads`.
struct DuplicatePages {
  /// Where an earlier page's stream is, once written.
  struct Stream: Equatable {
    var offset: UInt64
    var size: UInt32
    var flags: UInt32
  }

  /// An entry, 40 bytes: the page's hash and frame, and where its stream went (`stream`,
  /// nil until written: `round`, `chunk` and `index` say which round's chunk and which
  /// page of it hold it until then).
  struct Entry {
    var hash: UInt64 = 0
    var pfn: UInt64 = .max
    /// The stream's offset in the dump, 0 until written (the header is at 0).
    var offset: UInt64 = 0
    var size: UInt32 = 0
    var flags: UInt32 = 0
    var round: UInt32 = 0
    var chunk: UInt16 = 0
    var index: UInt16 = 0

    var stream: Stream? { offset == 0 ? nil : Stream(offset: offset, size: size, flags: flags) }
  }

  static let slotBits = 15
  private var entries: [Entry]
  private let scratch: UnsafeMutableRawPointer
  private let pageSize: Int
  /// Pages found to be copies.
  private(set) var found: UInt64 = 0

  init(pageSize: Int) {
    self.pageSize = pageSize
    entries = [Entry](repeating: Entry(), count: 1 << Self.slotBits)
    scratch = .allocate(byteCount: pageSize, alignment: 64)
  }

  func deallocate() { scratch.deallocate() }

  /// Where an earlier page equal to `page` is: its entry (its stream, or where in the
  /// current round it waits to be written), as `.copy`; else `page` takes the slot of
  /// its hash (`.first`), being chunk `chunk`'s page `index` of round `round`.
  enum Lookup {
    case copy(Entry)
    case first(slot: Int)
  }

  mutating func lookup(
    _ page: UnsafeRawPointer, pfn: UInt64, source: any PhysicalMemory, round: Int, chunk: Int, index: Int
  ) -> Lookup {
    let hash = Self.hash(page, size: pageSize)
    let slot = Int(truncatingIfNeeded: hash) & (entries.count - 1)
    let entry = entries[slot]
    if entry.hash == hash, entry.pfn != .max,
      entry.offset != 0 || entry.round == UInt32(truncatingIfNeeded: round),
      source.copyPages(entry.pfn, count: 1, into: scratch).isEmpty,
      memcmp(scratch, page, pageSize) == 0
    {
      found += 1
      return .copy(entry)
    }
    entries[slot] = Entry(
      hash: hash, pfn: pfn, round: UInt32(truncatingIfNeeded: round),
      chunk: UInt16(truncatingIfNeeded: chunk),
      index: UInt16(truncatingIfNeeded: index))
    return .first(slot: slot)
  }

  /// Records where the page of `pfn`, which took `slot`, was written (if the slot is
  /// still its own).
  mutating func written(slot: Int, pfn: UInt64, stream: Stream) {
    guard entries[slot].pfn == pfn && entries[slot].offset == 0 else { return }
    entries[slot].offset = stream.offset
    entries[slot].size = stream.size
    entries[slot].flags = stream.flags
  }

  /// A 64-bit hash of the page's bytes: four lanes of 64-bit words, each word xored into
  /// its lane and the lane multiplied by an odd constant, the lanes rotated apart and
  /// folded at the end. One multiply a word and no other step in a lane's chain: 0.15 us
  /// a 4 KiB page where xxHash's round (two multiplies and a rotation) took 0.29 (6.1's
  /// -d 31 pages, best of five). A difference in a word's top bit stays in its lane's top
  /// bit, so two such differences in one lane cancel: only a filter, every match is
  /// compared byte for byte.
  static func hash(_ page: UnsafeRawPointer, size: Int) -> UInt64 {
    let odd: (UInt64, UInt64) = (0x9E37_79B1_85EB_CA87, 0xC2B2_AE3D_27D4_EB4F)
    var lanes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    var offset = 0
    while offset &+ 32 <= size {
      lanes.0 = (lanes.0 ^ page.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* odd.0
      lanes.1 = (lanes.1 ^ page.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self)) &* odd.1
      lanes.2 = (lanes.2 ^ page.loadUnaligned(fromByteOffset: offset &+ 16, as: UInt64.self)) &* odd.0
      lanes.3 = (lanes.3 ^ page.loadUnaligned(fromByteOffset: offset &+ 24, as: UInt64.self)) &* odd.1
      offset &+= 32
    }
    var folded =
      lanes.0 ^ (lanes.1 << 17 | lanes.1 >> 47) ^ (lanes.2 << 31 | lanes.2 >> 33)
      ^ (lanes.3 << 45 | lanes.3 >> 19)
    folded = (folded ^ folded >> 29) &* odd.0
    return folded ^ folded >> 32
  }
}
