/// Where the fields of `struct page` (the kernel's descriptor of one page frame,
/// include/linux/mm_types.h) are, and what its flag bits and page types mean, from
/// VMCOREINFO alone (kernel/crash_core.c, `crash_save_vmcoreinfo_init`;
/// include/linux/page-flags.h). The keys a kernel does not export stay nil and the
/// rules that need them do not apply (vmcore-format.md §7.4).
public struct StructPageLayout: Sendable, Equatable {
  public var size: Int
  public var flags: Int
  public var mapping: Int
  public var mapcount: Int?
  public var privateData: Int?
  /// On the first tail page (`page[1]`), before folios: `compound_order`, `compound_dtor`.
  public var compoundOrder: Int?
  public var compoundDestructor: Int?
  public var lru: Int
  public var lruBit: Int
  public var privateBit: Int
  public var swapCacheBit: Int
  public var swapBackedBit: Int?
  public var slabBit: Int?
  public var hwPoisonBit: Int?
  public var headMask: UInt64?
  /// `NUMBER(PAGE_*_MAPCOUNT_VALUE)`: the page type kept in `_mapcount`.
  public var buddyType: UInt32?
  public var offlineType: UInt32?
  public var slabType: UInt32?
  public var hugetlbType: UInt32?
  public var hugetlbDestructor: UInt8?

  public init(vmcoreInfo info: VmcoreInfo) throws {
    func required(_ value: UInt64?, _ key: String) throws -> Int {
      guard let value, value < 1 << 20 else { throw DumpError.missingVmcoreInfo(key: key) }
      return Int(value)
    }
    func optional(_ value: UInt64?) -> Int? { value.flatMap { $0 < 1 << 20 ? Int($0) : nil } }
    func bit(_ name: String) -> Int? { info.number(name).flatMap { (0..<64).contains($0) ? Int($0) : nil } }
    func type(_ name: String) -> UInt32? { info.number(name).map { UInt32(truncatingIfNeeded: $0) } }
    size = try required(info.size("page"), "SIZE(page)")
    flags = try required(info.offset("page.flags"), "OFFSET(page.flags)")
    mapping = try required(info.offset("page.mapping"), "OFFSET(page.mapping)")
    lru = try required(info.offset("page.lru"), "OFFSET(page.lru)")
    mapcount = optional(info.offset("page._mapcount"))
    privateData = optional(info.offset("page.private"))
    compoundOrder = optional(info.offset("page.compound_order"))
    compoundDestructor = optional(info.offset("page.compound_dtor"))
    guard let lruBit = bit("PG_lru") else { throw DumpError.missingVmcoreInfo(key: "NUMBER(PG_lru)") }
    guard let privateBit = bit("PG_private") else {
      throw DumpError.missingVmcoreInfo(key: "NUMBER(PG_private)")
    }
    guard let swapCacheBit = bit("PG_swapcache") else {
      throw DumpError.missingVmcoreInfo(key: "NUMBER(PG_swapcache)")
    }
    self.lruBit = lruBit
    self.privateBit = privateBit
    self.swapCacheBit = swapCacheBit
    swapBackedBit = bit("PG_swapbacked")
    slabBit = bit("PG_slab")
    hwPoisonBit = bit("PG_hwpoison")
    headMask = info.number("PG_head_mask").map { UInt64(bitPattern: $0) }
    buddyType = type("PAGE_BUDDY_MAPCOUNT_VALUE")
    offlineType = type("PAGE_OFFLINE_MAPCOUNT_VALUE")
    slabType = type("PAGE_SLAB_MAPCOUNT_VALUE")
    hugetlbType = type("PAGE_HUGETLB_MAPCOUNT_VALUE")
    hugetlbDestructor = info.number("HUGETLB_PAGE_DTOR").flatMap { UInt8(exactly: $0) }
    guard size >= 8, flags + 8 <= size, mapping + 8 <= size else {
      throw DumpError.badVmcoreInfo(key: "SIZE(page)", reason: "fields lie outside \(size) bytes")
    }
  }

  /// True when `mapcount` holds page type `value`. Before 6.12 the kernel clears
  /// one bit of the type word per type (`~PG_buddy`, -129) and the whole word is
  /// compared; since 6.12 the type is the top byte (`PGTY_buddy << 24`) and the
  /// rest holds other data (include/linux/page-flags.h, `enum pagetype`).
  public static func hasType(_ mapcount: UInt32, _ value: UInt32?) -> Bool {
    guard let value else { return false }
    if value & 0x00FF_FFFF == 0 { return mapcount & 0xFF00_0000 == value }
    return mapcount == value
  }
}
