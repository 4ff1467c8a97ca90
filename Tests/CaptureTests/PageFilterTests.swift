import Bytes
import Dump
import XCTest

@testable import Capture

/// Page classes from hand-made `struct page`s laid out as a 6.1 kernel exports
/// them, and the mem_section walk over a small fake kernel memory.
final class PageFilterTests: XCTestCase {
  // The 6.1.0-56-amd64 lab kernel's keys, as the VMCOREINFO of its in-guest kdump vmcore states them.
  static let info = VmcoreInfo(
    text: """
      PAGESIZE=4096
      SYMBOL(mem_section)=ffff888000100000
      LENGTH(mem_section)=4
      SIZE(mem_section)=32
      OFFSET(mem_section.section_mem_map)=0
      NUMBER(SECTION_SIZE_BITS)=27
      SIZE(page)=64
      OFFSET(page.flags)=0
      OFFSET(page._refcount)=52
      OFFSET(page.mapping)=24
      OFFSET(page.lru)=8
      OFFSET(page._mapcount)=48
      OFFSET(page.private)=40
      OFFSET(page.compound_dtor)=16
      OFFSET(page.compound_order)=17
      OFFSET(page.compound_head)=8
      NUMBER(PG_lru)=4
      NUMBER(PG_private)=13
      NUMBER(PG_swapcache)=10
      NUMBER(PG_swapbacked)=19
      NUMBER(PG_slab)=9
      NUMBER(PG_hwpoison)=23
      NUMBER(PG_head_mask)=65536
      NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129
      NUMBER(HUGETLB_PAGE_DTOR)=2
      NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257

      """)

  struct Page {
    var flags: UInt64 = 0
    var mapping: UInt64 = 0
    var mapcount: UInt32 = 0xFFFF_FFFF  // -1: not mapped, no type
    var privateData: UInt64 = 0
    var order: UInt8 = 0
    var destructor: UInt8 = 0

    var bytes: [UInt8] {
      var bytes = [UInt8](repeating: 0, count: 64)
      bytes.storeLittleEndian(flags, at: 0)
      bytes.storeLittleEndian(mapping, at: 24)
      bytes.storeLittleEndian(privateData, at: 40)
      bytes.storeLittleEndian(mapcount, at: 48)
      return bytes
    }
  }

  func classify(
    _ page: Page, next: Page? = nil, pfn: UInt64 = 0, level: DumpLevel = .all
  ) throws -> (
    ExcludedClass, UInt64
  )? {
    let classifier = PageClassifier(layout: try StructPageLayout(vmcoreInfo: Self.info), level: level)
    var bytes = page.bytes
    if let next {
      var tail = next.bytes
      tail[16] = page.destructor
      tail[17] = page.order
      bytes += tail
    }
    return bytes.withUnsafeBytes { raw in
      classifier.decide(page: raw.baseAddress!, next: next == nil ? nil : raw.baseAddress! + 64, pfn: pfn)
        .map { ($0.0, $0.pages) }
    }
  }

  func testClassesInMakedumpfileOrder() throws {
    let lru: UInt64 = 1 << 4
    let privateFlag: UInt64 = 1 << 13
    XCTAssertTrue(try classify(Page(mapcount: 0xFFFF_FF7F, privateData: 3)) ?? (.zero, 0) == (.free, 8))
    XCTAssertTrue(try classify(Page(flags: lru)) ?? (.zero, 0) == (.cacheWithoutPrivate, 1))
    XCTAssertTrue(try classify(Page(flags: lru | privateFlag)) ?? (.zero, 0) == (.cacheWithPrivate, 1))
    XCTAssertTrue(try classify(Page(flags: lru, mapping: 0xFFFF_8880_1234_5001)) ?? (.zero, 0) == (.user, 1))
    // Swap cache counts as cache only when swap-backed.
    XCTAssertNil(try classify(Page(flags: 1 << 10)))
    XCTAssertTrue(try classify(Page(flags: 1 << 10 | 1 << 19)) ?? (.zero, 0) == (.cacheWithoutPrivate, 1))
    // A slab page whose mapping looks anonymous is kernel data.
    XCTAssertNil(try classify(Page(flags: 1 << 9, mapping: 1)))
    // A free page found in a slab is not free.
    XCTAssertNil(try classify(Page(flags: 1 << 9, mapcount: 0xFFFF_FF7F)))
    XCTAssertTrue(try classify(Page(flags: 1 << 23)) ?? (.zero, 0) == (.hwpoison, 1))
    XCTAssertTrue(try classify(Page(mapcount: 0xFFFF_FEFF)) ?? (.zero, 0) == (.offline, 1))
    XCTAssertNil(try classify(Page()))
  }

  func testLevelsSelectClasses() throws {
    let lru: UInt64 = 1 << 4
    XCTAssertNil(try classify(Page(flags: lru), level: [.free, .user]))
    XCTAssertTrue(
      try classify(Page(flags: lru | 1 << 13), level: .cacheWithPrivate) ?? (.zero, 0) == (
        .cacheWithPrivate, 1
      ))
    XCTAssertNil(try classify(Page(mapcount: 0xFFFF_FF7F), level: .zero))
  }

  func testCompoundPagesGoWhole() throws {
    let head: UInt64 = 1 << 16
    // A hugetlbfs page of order 9 at an aligned frame: 512 frames of user data.
    XCTAssertTrue(
      try classify(Page(flags: head, order: 9, destructor: 2), next: Page(), pfn: 512) ?? (.zero, 0) == (
        .user, 512
      ))
    // A transparent huge page in the page cache.
    XCTAssertTrue(
      try classify(Page(flags: head | 1 << 4, order: 9), next: Page(), pfn: 1024) ?? (.zero, 0) == (
        .cacheWithoutPrivate, 512
      ))
    // A misaligned order is not trusted: one page.
    XCTAssertTrue(
      try classify(Page(flags: head | 1 << 4, order: 9), next: Page(), pfn: 1025) ?? (.zero, 0) == (
        .cacheWithoutPrivate, 1
      ))
  }

  /// Since 6.12 the page type is the top byte of `_mapcount` and the rest is free.
  func testPageTypeInTheTopByte() {
    XCTAssertTrue(StructPageLayout.hasType(0xF000_0003, UInt32(truncatingIfNeeded: Int64(-268_435_456))))
    XCTAssertFalse(StructPageLayout.hasType(0xF100_0000, UInt32(truncatingIfNeeded: Int64(-268_435_456))))
    XCTAssertTrue(StructPageLayout.hasType(0xFFFF_FF7F, UInt32(truncatingIfNeeded: Int64(-129))))
    XCTAssertFalse(StructPageLayout.hasType(0xFFFF_FF7E, UInt32(truncatingIfNeeded: Int64(-129))))
  }

  /// Kernel memory as a dictionary of pages by virtual address.
  struct FakeMemory: KernelMemoryReader {
    var pages: [UInt64: [UInt8]] = [:]

    func read(_ virtual: UInt64, count: Int) throws -> [UInt8] {
      var result: [UInt8] = []
      var address = virtual
      while result.count < count {
        guard let page = pages[address & ~0xFFF] else {
          throw DumpError.unmapped(virtual: address, level: "PTE")
        }
        let start = Int(address & 0xFFF)
        let take = min(count - result.count, 4096 - start)
        result += page[start..<start + take]
        address += UInt64(take)
      }
      return result
    }

    mutating func put(_ bytes: [UInt8], at address: UInt64) {
      for (index, byte) in bytes.enumerated() {
        let at = address + UInt64(index)
        pages[at & ~0xFFF, default: [UInt8](repeating: 0, count: 4096)][Int(at & 0xFFF)] = byte
      }
    }
  }

  /// Section 0 holds 128 frames' descriptors; a free block of order 2 at frame 8, a
  /// cache page at 20, an anonymous page at 21; section 1 has no memory map.
  func testMemSectionWalk() throws {
    var memory = FakeMemory()
    let root: UInt64 = 0xFFFF_8880_0010_0000
    let sections: UInt64 = 0xFFFF_8880_0020_0000
    let memMap: UInt64 = 0xFFFF_EA00_0000_0000
    memory.put(Array(repeating: 0, count: 32), at: root)
    memory.put(sections.littleEndianBytes, at: root)
    memory.put(Array(repeating: 0, count: 4096), at: sections)
    memory.put((memMap | 3).littleEndianBytes, at: sections)
    for pfn in 0..<128 as Range<UInt64> {
      var page = Page()
      if pfn == 8 { page = Page(mapcount: 0xFFFF_FF7F, privateData: 2) }
      if pfn == 20 { page = Page(flags: 1 << 4) }
      if pfn == 21 { page = Page(flags: 1 << 4, mapping: 0x1001) }
      memory.put(page.bytes, at: memMap + pfn * 64)
    }
    var dumpable = PageBitmap(pageCount: 128)
    dumpable.insert(1..<100)
    let result = try PageFilter(level: .all, vmcoreInfo: Self.info, memory: memory).apply(to: &dumpable)
    XCTAssertEqual(result.excluded, [.free: 4, .cacheWithoutPrivate: 1, .user: 1])
    XCTAssertEqual((8..<12).filter { dumpable.contains($0) }, [])
    XCTAssertFalse(dumpable.contains(20))
    XCTAssertFalse(dumpable.contains(21))
    XCTAssertTrue(dumpable.contains(12))
    XCTAssertEqual(dumpable.count, 99 - 6)
  }
}

extension UInt64 {
  var littleEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (8 * UInt64($0))) } }
}
