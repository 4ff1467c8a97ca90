import Foundation

@testable import Dump

/// Rewrites a copy of a QEMU ELF dump into the program-header layout of
/// /proc/vmcore, so vmcore-dmesg (which trusts `p_vaddr`) can read it and be
/// compared with Coroner on the same memory: RAM segments get `p_vaddr` =
/// page_offset_base + `p_paddr`, and a segment outside RAM (QEMU's VGA or ROM
/// range) becomes the kernel-text segment (`p_vaddr` = __START_KERNEL_map,
/// `p_paddr` = phys_base). QEMU's section headers (kept for PN_XNUM) are dropped.
enum ProcVmcoreLayout {
  struct Failure: Error { var reason: String }

  static func rewrite(_ source: String, to destination: String) throws {
    let dump = try Vmcore.open(path: source)
    guard let elf = dump.physical as? ElfVmcore, let info = dump.vmcoreInfo,
      let physBase = info.number("phys_base").map({ UInt64(bitPattern: $0) })
    else { throw Failure(reason: "\(source): not an ELF dump with VMCOREINFO") }
    let memory = try dump.kernelMemory()
    guard let directMap = memory.addressSpace.directMapBase(in: elf) else {
      throw Failure(reason: "\(source): no direct map found")
    }
    try? FileManager.default.removeItem(atPath: destination)
    try FileManager.default.copyItem(atPath: source, toPath: destination)
    let header = try elf.source.read(at: 0, count: 64)
    guard let phoff = header.u64(32), let count = header.u16(56), count != 0xFFFF else {
      throw Failure(reason: "\(source): unexpected ELF header")
    }
    var table = try elf.source.read(at: phoff, count: Int(count) * 56)
    // The kernel text's mapping starts at _stext: with KASLR phys_base may be
    // "negative" (the kernel's virtual slide exceeds its physical one), so the
    // physical address of __START_KERNEL_map itself is not in RAM.
    let stext = info.symbol("_stext") ?? X86_64AddressSpace.kernelMapStart
    let textPhysical = physBase &+ (stext &- X86_64AddressSpace.kernelMapStart)
    let text = try requireSegment(
      elf.segments.first { $0.physical <= textPhysical && textPhysical < $0.physical + $0.fileSize })
    var spare: Int?
    for index in 0..<Int(count) where table.u32(index * 56) == 1 {
      let physical = table.u64(index * 56 + 24) ?? 0
      if physical >= 0xFD00_0000 && physical < 0x1_0000_0000 && spare == nil {
        spare = index
      } else {
        table.put(directMap &+ physical, at: index * 56 + 16)
      }
    }
    guard let spare else { throw Failure(reason: "\(source): no segment to reuse for the kernel text") }
    let length = min(text.fileSize - (textPhysical - text.physical), 1 << 30)
    table.put(UInt32(1), at: spare * 56)
    table.put(UInt32(7), at: spare * 56 + 4)
    table.put(text.fileOffset + (textPhysical - text.physical), at: spare * 56 + 8)
    table.put(stext, at: spare * 56 + 16)
    table.put(textPhysical, at: spare * 56 + 24)
    table.put(length, at: spare * 56 + 32)
    table.put(length, at: spare * 56 + 40)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: destination))
    defer { try? handle.close() }
    try handle.seek(toOffset: phoff)
    try handle.write(contentsOf: Data(table))
    try handle.seek(toOffset: 60)  // e_shnum = 0
    try handle.write(contentsOf: Data([0, 0]))
  }

  static func requireSegment(_ segment: ElfVmcore.Segment?) throws -> ElfVmcore.Segment {
    guard let segment else { throw Failure(reason: "phys_base is not in a RAM segment") }
    return segment
  }
}
