/// Kernel virtual memory to read kernel tables from: a dump's memory or the image of
/// a vmlinux file. The requirement is the one of Dump's `KernelMemoryReader`, so the
/// dump reader conforms with an empty extension.
public protocol KernelMemorySource {
  /// `count` bytes at kernel virtual address `address`; throws when any is unreadable.
  func read(_ address: UInt64, count: Int) throws -> [UInt8]
}

/// The allocated sections of a vmlinux (ET_EXEC), addressed as the kernel linked them:
/// `.rodata` holds the kallsyms tables as the build left them.
public struct ElfImageMemory: KernelMemorySource {
  public let file: ElfFile

  public init(_ file: ElfFile) {
    self.file = file
  }

  public func read(_ address: UInt64, count: Int) throws -> [UInt8] {
    for section in file.sections
    where section.isAllocated && section.type != ElfSection.noBits && section.address <= address
      && address - section.address < section.size
    {
      let offset = address - section.address
      guard UInt64(count) <= section.size - offset else { break }
      return try file.contents(of: section).bytes(Int(offset), count)
    }
    throw SymbolsError(
      .missing, path: file.path, offset: address,
      expected: "\(count) bytes of an allocated section at this address")
  }
}
