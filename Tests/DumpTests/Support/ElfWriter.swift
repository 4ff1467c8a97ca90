/// Writes an ELF64 ET_CORE vmcore as QEMU and /proc/vmcore do: one PT_NOTE, then one
/// PT_LOAD per run of physical pages, `p_vaddr` set as the producer would.
enum ElfWriter {
  /// `extraSegments` adds PT_LOADs that repeat physical ranges already written
  /// (p_paddr, length, offset of the data in the first run), as QEMU paging dumps
  /// do; `xnum` writes the count as PN_XNUM with the real one in section header 0.
  static func write(
    memory: SparseMemory, notes: [UInt8], vaddr: (UInt64) -> UInt64 = { _ in 0 },
    duplicates: [(physical: UInt64, length: UInt64)] = [], xnum: Bool = false
  ) -> [UInt8] {
    let runs = memory.runs
    let phnum = 1 + runs.count + duplicates.count
    let sectionHeaderSize = xnum ? 64 : 0
    let headerSize = 64 + 56 * phnum + sectionHeaderSize
    var writer = ByteWriter()
    writer.raw([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0])
    writer.zeros(8)
    writer.u16(4)  // ET_CORE
    writer.u16(62)  // EM_X86_64
    writer.u32(1)
    writer.u64(0)  // e_entry
    writer.u64(64)  // e_phoff
    writer.u64(xnum ? UInt64(64 + 56 * phnum) : 0)  // e_shoff
    writer.u32(0)
    writer.u16(64)
    writer.u16(56)
    writer.u16(xnum ? 0xFFFF : UInt16(phnum))
    writer.u16(64)
    writer.u16(xnum ? 1 : 0)
    writer.u16(0)
    // PT_NOTE
    writer.u32(4)
    writer.u32(0)
    writer.u64(UInt64(headerSize))
    writer.u64(0)
    writer.u64(0)
    writer.u64(UInt64(notes.count))
    writer.u64(UInt64(notes.count))
    writer.u64(0)
    var offset = UInt64(headerSize + notes.count)
    var runOffsets: [(pfn: UInt64, count: UInt64, offset: UInt64)] = []
    for run in runs {
      runOffsets.append((run.pfn, run.count, offset))
      offset += run.count * 4096
    }
    offset = UInt64(headerSize + notes.count)
    for run in runs {
      let physical = run.pfn * 4096
      let size = run.count * 4096
      writer.u32(1)
      writer.u32(7)
      writer.u64(offset)
      writer.u64(vaddr(physical))
      writer.u64(physical)
      writer.u64(size)
      writer.u64(size)
      writer.u64(0)
      offset += size
    }
    for duplicate in duplicates {
      let pfn = duplicate.physical / 4096
      let run = runOffsets.first { pfn >= $0.pfn && pfn < $0.pfn + $0.count }!
      writer.u32(1)
      writer.u32(7)
      writer.u64(run.offset + duplicate.physical - run.pfn * 4096)
      writer.u64(0xFFFF_C900_0000_0000 + duplicate.physical)
      writer.u64(duplicate.physical)
      writer.u64(duplicate.length)
      writer.u64(duplicate.length)
      writer.u64(0)
    }
    if xnum {
      writer.zeros(44)
      writer.u32(UInt32(phnum))  // sh_info
      writer.zeros(16)
    }
    writer.raw(notes)
    for run in runs {
      for pfn in run.pfn..<run.pfn + run.count { writer.raw(memory.pages[pfn]!) }
    }
    return writer.bytes
  }
}
