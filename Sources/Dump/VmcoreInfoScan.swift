import Bytes

/// Finds VMCOREINFO in the memory of a dump that carries no note of it (QEMU without
/// `-device vmcoreinfo`): the kernel keeps its own copy of the note in a page-aligned
/// buffer (`vmcoreinfo_note`, kernel/crash_core.c), so page starts are scanned for a
/// note header named VMCOREINFO followed by `OSRELEASE=` (vmcore-format.md §3.1).
enum VmcoreInfoScan {
  static let header: [UInt8] = [11, 0, 0, 0]
  static let name: [UInt8] = Array("VMCOREINFO".utf8) + [0, 0]
  static let first: [UInt8] = Array("OSRELEASE=".utf8)

  /// The first candidate, in physical-address order, that `accept` takes (a
  /// capture kernel's leftover copy can precede the crashed kernel's).
  static func scan(
    _ memory: any PhysicalMemory, accept: (VmcoreInfo) -> Bool
  ) -> (address: UInt64, info: VmcoreInfo)? {
    let page = UInt64(memory.pageSize)
    let window: UInt64 = 16 << 20
    for range in memory.presentRanges {
      let (rounded, overflow) = range.lowerBound.addingReportingOverflow(page - 1)
      guard !overflow else { continue }
      var address = rounded / page * page
      var released = address
      while address < range.upperBound, range.upperBound - address >= 34 {
        if let candidate = candidate(at: address, in: memory), accept(candidate) {
          return (address, candidate)
        }
        let (next, done) = address.addingReportingOverflow(page)
        if done { break }
        address = next
        if address - released >= window {
          // Give the scanned pages back: memory stays flat on a multi-GB dump.
          memory.release(released..<address)
          released = address
        }
      }
      if released < range.upperBound { memory.release(released..<range.upperBound) }
    }
    return nil
  }

  static func candidate(at address: UInt64, in memory: any PhysicalMemory) -> VmcoreInfo? {
    guard let head = try? memory.readPhysical(address, count: 34),
      head.prefix(4).elementsEqual(header), head[12..<24].elementsEqual(name),
      head[24..<34].elementsEqual(first), let size = head.u32(4), size > 10, size <= 4096,
      let text = try? memory.readPhysical(address + 24, count: Int(size))
    else { return nil }
    return VmcoreInfo(text: text)
  }
}
