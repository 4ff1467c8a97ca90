/// Writes an ELF64 ET_CORE vmcore as QEMU and /proc/vmcore do: one PT_NOTE, then one
/// PT_LOAD per run of physical pages, `p_vaddr` set as the producer would.
enum ElfWriter {
  static func write(memory: SparseMemory, notes: [UInt8], vaddr: (UInt64) -> UInt64 = { _ in 0 }) -> [UInt8] {
    let runs = memory.runs
    let phnum = 1 + runs.count
    let headerSize = 64 + 56 * phnum
    var writer = ByteWriter()
    writer.raw([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0])
    writer.zeros(8)
    writer.u16(4)  // ET_CORE
    writer.u16(62)  // EM_X86_64
    writer.u32(1)
    writer.u64(0)  // e_entry
    writer.u64(64)  // e_phoff
    writer.u64(0)  // e_shoff
    writer.u32(0)
    writer.u16(64)
    writer.u16(56)
    writer.u16(UInt16(phnum))
    writer.u16(64)
    writer.u16(0)
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
    writer.raw(notes)
    for run in runs {
      for pfn in run.pfn..<run.pfn + run.count { writer.raw(memory.pages[pfn]!) }
    }
    return writer.bytes
  }
}
