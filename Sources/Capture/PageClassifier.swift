import Dump

/// Decides, from one `struct page` (and the next, which holds a compound page's
/// order and destructor before folios), whether a dump level leaves the page out,
/// following the order of makedumpfile's `__exclude_unnecessary_pages`: free
/// (buddy) pages first, then page cache without and with private data, user data
/// (anonymous or hugetlbfs), hardware-poisoned and logically offline pages.
public struct PageClassifier: Sendable {
  public let layout: StructPageLayout
  public let level: DumpLevel

  public init(layout: StructPageLayout, level: DumpLevel) {
    self.layout = layout
    self.level = level
  }

  /// What to exclude starting at `pfn`: the class and how many frames (a buddy
  /// block of 2^order pages, or a whole compound page), or nil to keep the page.
  public func decide(
    page: UnsafeRawPointer, next: UnsafeRawPointer?, pfn: UInt64
  ) -> (
    ExcludedClass, pages: UInt64
  )? {
    let flags = page.loadUnaligned(fromByteOffset: layout.flags, as: UInt64.self)
    let mapping = page.loadUnaligned(fromByteOffset: layout.mapping, as: UInt64.self)
    let mapcount = layout.mapcount.map { page.loadUnaligned(fromByteOffset: $0, as: UInt32.self) } ?? 0
    let privateData = layout.privateData.map { page.loadUnaligned(fromByteOffset: $0, as: UInt64.self) } ?? 0
    func has(_ bit: Int?) -> Bool { bit.map { flags & (1 << UInt64($0)) != 0 } ?? false }
    let slab = has(layout.slabBit) || StructPageLayout.hasType(mapcount, layout.slabType)

    if level.contains(.free), !slab, StructPageLayout.hasType(mapcount, layout.buddyType) {
      // The buddy allocator keeps the block's order in page.private (mm/page_alloc.c).
      let order = privateData < 40 ? privateData : 0
      return (.free, 1 << order)
    }
    var order: UInt64 = 0
    var hugetlb = false
    if let headMask = layout.headMask, flags & headMask != 0, let next {
      if let offset = layout.compoundOrder {
        order = UInt64(next.load(fromByteOffset: offset, as: UInt8.self))
      }
      if let offset = layout.compoundDestructor, let destructor = layout.hugetlbDestructor {
        hugetlb = next.load(fromByteOffset: offset, as: UInt8.self) == destructor
      }
      if order >= 40 || pfn & ((1 << order) - 1) != 0 { order = 0 }
    }
    hugetlb = hugetlb || StructPageLayout.hasType(mapcount, layout.hugetlbType)
    // PG_swapcache counts only with PG_swapbacked, where the kernel has that bit
    // (4.10+): the bit is reused as PG_owner_priv_1 otherwise.
    let cache =
      has(layout.lruBit)
      || (has(layout.swapCacheBit) && (layout.swapBackedBit == nil || has(layout.swapBackedBit)))
    let anonymous = mapping & 1 != 0 && !slab
    let pages: UInt64 = 1 << order
    if level.contains(.cacheWithoutPrivate), cache, !has(layout.privateBit), !anonymous {
      return (.cacheWithoutPrivate, pages)
    }
    if level.contains(.cacheWithPrivate), cache, !anonymous { return (.cacheWithPrivate, pages) }
    if level.contains(.user), anonymous || hugetlb { return (.user, pages) }
    if has(layout.hwPoisonBit) { return (.hwpoison, pages) }
    if StructPageLayout.hasType(mapcount, layout.offlineType) { return (.offline, pages) }
    return nil
  }
}
