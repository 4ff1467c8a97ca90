import Dump

/// Pages of the dead machine by frame number, read in runs: from an ELF vmcore
/// (/proc/vmcore) straight out of the file, or from any dump through its
/// `PhysicalMemory`.
public protocol PageSource: Sendable {
  var pageSize: Int { get }
  /// Copies `count` consecutive pages starting at `pfn` into `destination`. Pages
  /// that cannot be read are left zero and counted in the result.
  func readPages(_ pfn: UInt64, count: Int, into destination: UnsafeMutableRawPointer) -> Int
}

/// An ELF vmcore's PT_LOAD segments as a frame → file-offset map: large preads,
/// no copy through the reader's page cache.
public struct ElfPageSource: PageSource {
  let elf: ElfVmcore
  public var pageSize: Int { elf.pageSize }

  public init(elf: ElfVmcore) { self.elf = elf }

  public func readPages(_ pfn: UInt64, count: Int, into destination: UnsafeMutableRawPointer) -> Int {
    var unreadable = 0
    let size = UInt64(pageSize)
    var address = pfn * size
    let end = address + UInt64(count) * size
    var written = 0
    while address < end {
      let take: Int
      if let segment = segment(containing: address) {
        // A segment may end inside a page (the first MiB of /proc/vmcore ends at
        // 0x9fc00): what the file lacks of that page reads as zeros, as in memory.
        let delta = address - segment.physical
        let inSegment = (segment.memorySize - delta + size - 1) / size * size
        take = Int(min(end - address, inSegment))
        let inFile = Int(min(UInt64(take), segment.fileSize > delta ? segment.fileSize - delta : 0))
        let target = UnsafeMutableRawBufferPointer(start: destination + written, count: take)
        if inFile > 0,
          (try? elf.source.copyBytes(
            at: segment.fileOffset + delta, count: inFile,
            into: UnsafeMutableRawBufferPointer(rebasing: target[0..<inFile])))
            != nil
        {
          elf.source.release(offset: segment.fileOffset + delta, count: UInt64(inFile))
          if inFile < take {
            UnsafeMutableRawBufferPointer(rebasing: target[inFile...]).initializeMemory(
              as: UInt8.self, repeating: 0)
          }
        } else {
          target.initializeMemory(as: UInt8.self, repeating: 0)
          unreadable += take / pageSize
        }
      } else {
        take = pageSize
        UnsafeMutableRawBufferPointer(start: destination + written, count: take)
          .initializeMemory(as: UInt8.self, repeating: 0)
        unreadable += 1
      }
      address += UInt64(take)
      written += take
    }
    return unreadable
  }

  func segment(containing address: UInt64) -> ElfVmcore.Segment? {
    let segments = elf.segments
    var low = 0
    var high = segments.count
    while low < high {
      let mid = (low + high) / 2
      if segments[mid].physical <= address { low = mid + 1 } else { high = mid }
    }
    guard low > 0 else { return nil }
    let candidate = segments[low - 1]
    return address - candidate.physical < candidate.memorySize ? candidate : nil
  }
}

/// Any dump `Dump` reads (kdump-compressed, flattened, split), page by page.
public struct PhysicalPageSource: PageSource {
  let physical: any PhysicalMemory
  public var pageSize: Int { physical.pageSize }

  public init(physical: any PhysicalMemory) { self.physical = physical }

  public func readPages(_ pfn: UInt64, count: Int, into destination: UnsafeMutableRawPointer) -> Int {
    var unreadable = 0
    for index in 0..<count {
      let target = destination + index * pageSize
      if let page = try? physical.readPhysical((pfn + UInt64(index)) * UInt64(pageSize), count: pageSize) {
        page.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: pageSize) }
      } else {
        target.initializeMemory(as: UInt8.self, repeating: 0, count: pageSize)
        unreadable += 1
      }
    }
    return unreadable
  }
}
