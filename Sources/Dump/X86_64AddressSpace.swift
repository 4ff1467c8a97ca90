/// x86_64 kernel virtual → physical translation from VMCOREINFO alone
/// (vmcore-format.md §4): kernel-image addresses through `phys_base`
/// (`__pa_symbol`), everything else through the page tables rooted at
/// `init_top_pgt`, with 4 or 5 levels, 1 GiB and 2 MiB pages, and the SME C-bit
/// cleared from every entry (arch/x86/include/asm/pgtable_types.h).
public struct X86_64AddressSpace: Sendable {
  /// `__START_KERNEL_map`.
  public static let kernelMapStart: UInt64 = 0xFFFF_FFFF_8000_0000

  public let physBase: UInt64
  public let kernelImageSize: UInt64
  /// Physical address of the top-level page table.
  public let rootTable: UInt64
  public let fiveLevel: Bool
  public let smeMask: UInt64
  let entryMask: UInt64

  public init(physBase: UInt64, rootTable: UInt64, fiveLevel: Bool, smeMask: UInt64, kernelImageSize: UInt64)
  {
    self.physBase = physBase
    self.rootTable = rootTable
    self.fiveLevel = fiveLevel
    self.smeMask = smeMask
    self.kernelImageSize = kernelImageSize
    entryMask = 0x000F_FFFF_FFFF_F000 & ~smeMask
  }

  /// Reads the keys of `arch_crash_save_vmcoreinfo` (arch/x86/kernel/crash_core_64.c).
  public init(vmcoreInfo info: VmcoreInfo) throws {
    let physBase = UInt64(bitPattern: try info.require(info.number("phys_base"), "NUMBER(phys_base)"))
    let root =
      try info.symbol("init_top_pgt") ?? info.symbol("init_level4_pgt")
      ?? info.require(info.symbol("swapper_pg_dir"), "SYMBOL(init_top_pgt)")
    let imageSize = info.number("KERNEL_IMAGE_SIZE").map { UInt64(bitPattern: $0) } ?? 0x4000_0000
    guard root >= Self.kernelMapStart else {
      throw DumpError.corruptKernelData(
        structure: "SYMBOL(init_top_pgt)", address: root, reason: "not a kernel-image address")
    }
    self.init(
      physBase: physBase, rootTable: root - Self.kernelMapStart &+ physBase,
      fiveLevel: info.number("pgtable_l5_enabled") == 1,
      smeMask: info.number("sme_mask").map { UInt64(bitPattern: $0) } ?? 0, kernelImageSize: imageSize)
  }

  /// True for an address of the kernel image mapping.
  public func isKernelImage(_ virtual: UInt64) -> Bool {
    virtual >= Self.kernelMapStart && virtual - Self.kernelMapStart < kernelImageSize
  }

  func isCanonical(_ virtual: UInt64) -> Bool {
    let bits: UInt64 = fiveLevel ? 57 : 48
    let top = virtual >> (bits - 1)
    return top == 0 || top == (UInt64.max >> (bits - 1))
  }

  /// The physical address of `virtual`, and how many bytes after it stay physically
  /// contiguous within the same page (so bulk reads translate once per page).
  public func translate(
    _ virtual: UInt64, in memory: any PhysicalMemory
  ) throws -> (physical: UInt64, run: UInt64) {
    guard isCanonical(virtual) else { throw DumpError.nonCanonical(virtual: virtual) }
    if isKernelImage(virtual) {
      return (virtual - Self.kernelMapStart &+ physBase, 4096 - (virtual & 0xFFF))
    }
    return try walk(virtual, in: memory)
  }

  /// The page-table walk: each entry is a little-endian u64 in physical memory.
  public func walk(_ virtual: UInt64, in memory: any PhysicalMemory) throws -> (physical: UInt64, run: UInt64)
  {
    var table = rootTable
    let levels: [(shift: UInt64, name: String)] =
      (fiveLevel ? [(48, "PML5")] : []) + [(39, "PGD"), (30, "PUD"), (21, "PMD"), (12, "PTE")]
    for (shift, name) in levels {
      let index = (virtual >> shift) & 511
      let entry = try memory.physicalU64(table + 8 * index)
      guard entry & 1 != 0 else { throw DumpError.unmapped(virtual: virtual, level: name) }
      let address = entry & entryMask
      // PS (bit 7) at PUD or PMD level: a 1 GiB or 2 MiB page.
      if shift == 12 || ((shift == 30 || shift == 21) && entry & 0x80 != 0) {
        let pageMask: UInt64 = (1 << shift) - 1
        let offset = virtual & pageMask
        return ((address & ~pageMask) | offset, (1 << shift) - offset)
      }
      table = address
    }
    throw DumpError.unmapped(virtual: virtual, level: "PTE")
  }

  /// The base of the direct map (`page_offset_base`, randomized under KASLR): the
  /// lowest mapped address at or above the default base that maps physical 0
  /// (vmcore-format.md §4.3). Nil when the page tables show no such mapping.
  public func directMapBase(in memory: any PhysicalMemory) -> UInt64? {
    let start: UInt64 = fiveLevel ? 0xFF11_0000_0000_0000 : 0xFFFF_8880_0000_0000
    let step: UInt64 = 1 << 30  // the direct map is 1 GiB aligned
    var candidate = start
    // KASLR puts it within the first 64 TiB or so past the default base.
    let limit = start &+ (fiveLevel ? 1 << 54 : 1 << 46)
    while candidate < limit {
      if let (physical, _) = try? walk(candidate, in: memory) {
        return physical == 0 ? candidate : nil
      }
      // Skip whole unmapped top-level slots at once.
      let slotShift: UInt64 = fiveLevel ? 48 : 39
      if (try? memory.physicalU64(rootTable + 8 * ((candidate >> slotShift) & 511))).map({ $0 & 1 == 0 })
        ?? true
      {
        candidate = ((candidate >> slotShift) + 1) << slotShift
      } else {
        candidate &+= step
      }
    }
    return nil
  }
}
