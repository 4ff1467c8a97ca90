/// SPARSEMEM_EXTREME's two-level `mem_section` table (include/linux/mmzone.h):
/// `NR_SECTION_ROOTS` pointers, each to a page of `struct mem_section`, whose
/// `section_mem_map` holds the section's `struct page` array minus its first PFN,
/// with flag bits in the low bits. The kernel's memory map is found through it: the
/// `struct page` of every frame.
public struct MemorySections: Sendable {
  let roots: [UInt64]
  let sectionSize: Int
  let mapOffset: Int
  let perRoot: UInt64
  public let pagesPerSection: UInt64
  let memory: any KernelMemoryReader

  public init(vmcoreInfo info: VmcoreInfo, memory: any KernelMemoryReader) throws {
    guard let table = info.symbol("mem_section") else {
      throw DumpError.missingVmcoreInfo(key: "SYMBOL(mem_section)")
    }
    guard let count = info.length("mem_section"), count > 0, count <= 1 << 20 else {
      throw DumpError.missingVmcoreInfo(key: "LENGTH(mem_section)")
    }
    guard let size = info.size("mem_section"), size >= 8, size <= 4096 else {
      throw DumpError.missingVmcoreInfo(key: "SIZE(mem_section)")
    }
    guard let offset = info.offset("mem_section.section_mem_map"), offset + 8 <= size else {
      throw DumpError.missingVmcoreInfo(key: "OFFSET(mem_section.section_mem_map)")
    }
    guard let bits = info.number("SECTION_SIZE_BITS"), (13...40).contains(bits) else {
      throw DumpError.missingVmcoreInfo(key: "NUMBER(SECTION_SIZE_BITS)")
    }
    let pageSize = UInt64(info.pageSize ?? 4096)
    pagesPerSection = 1 << (UInt64(bits) - UInt64(pageSize.trailingZeroBitCount))
    sectionSize = Int(size)
    mapOffset = Int(offset)
    perRoot = pageSize / size
    self.memory = memory
    let bytes: [UInt8]
    do {
      bytes = try memory.read(table, count: Int(count) * 8)
    } catch {
      throw DumpError.badVmcoreInfo(
        key: "SYMBOL(mem_section)", reason: "the table is unreadable: \(error)")
    }
    roots = (0..<Int(count)).map { index in
      bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self) }
    }
  }

  /// The address `struct page` of PFN p is at: result + p * SIZE(page); nil for a
  /// section without a memory map. The low bits of `section_mem_map` are flags
  /// (SECTION_MARKED_PRESENT = 1, SECTION_HAS_MEM_MAP = 2, then more); the encoded
  /// pointer is at least 64-byte aligned, so clearing six bits leaves it.
  public func memMap(section: UInt64) -> UInt64? {
    let root = section / perRoot
    guard root < UInt64(roots.count), roots[Int(root)] != 0 else { return nil }
    let address = roots[Int(root)] &+ (section % perRoot) &* UInt64(sectionSize) &+ UInt64(mapOffset)
    guard let value = try? memory.u64(address), value & 2 != 0 else { return nil }
    return value & ~0x3F
  }
}
