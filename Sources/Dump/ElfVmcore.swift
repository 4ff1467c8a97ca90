import Bytes

/// An ELF64 vmcore: /proc/vmcore as kdump saves it, QEMU `dump-guest-memory` (with
/// or without paging), `virsh dump --memory-only`, `makedumpfile -E`.
///
/// PT_LOAD segments are used only as a physical-address → file-offset map
/// (vmcore-format.md §1.3): `p_vaddr` is 0 or a copy of `p_paddr` in QEMU dumps, so it
/// is never trusted for translation.
public struct ElfVmcore: PhysicalMemory {
  /// One PT_LOAD: physical range `[physical, physical+memorySize)`, of which the
  /// first `fileSize` bytes are in the file at `fileOffset`.
  public struct Segment: Sendable, Equatable {
    public var physical: UInt64
    public var virtual: UInt64
    public var memorySize: UInt64
    public var fileSize: UInt64
    public var fileOffset: UInt64
  }

  public let source: any ByteSource
  public let machine: UInt16
  public let segments: [Segment]
  public let notes: [ElfNote]
  /// PT_LOAD bytes the headers promise but the file does not hold (truncated copy).
  public let missingBytes: UInt64
  public let pageSize: Int = 4096

  static let machineX86_64: UInt16 = 62
  /// Page-bitmap bytes allowed whatever the file's size (2^27 frames, 512 GiB of
  /// physical addresses): small test dumps may place memory high.
  static let bitmapFloor: UInt64 = 16 << 20

  /// Names of the machines whose dumps are met most (elf.h EM_*).
  static func machineName(_ machine: UInt16) -> String {
    switch machine {
    case 3: return "i386"
    case 40: return "ARM"
    case 62: return "x86_64"
    case 183: return "AArch64"
    case 21: return "PowerPC64"
    case 22: return "s390"
    case 243: return "RISC-V"
    case 258: return "LoongArch"
    default: return "unknown machine"
    }
  }

  public init(source: any ByteSource) throws {
    self.source = source
    let path = source.name
    let header = try source.read(at: 0, count: 64, expected: "ELF header")
    let reader = FieldReader(bytes: header, path: path, fileOffset: 0, structure: "Elf64_Ehdr")
    guard header.starts(with: [0x7F, 0x45, 0x4C, 0x46]) else { throw DumpError.unknownFormat(path: path) }
    guard header[4] == 2 else {
      throw DumpError.unsupported(path: path, what: "ELF class \(header[4]) (only ELF64 vmcores are read)")
    }
    guard header[5] == 1 else {
      throw DumpError.unsupported(path: path, what: "big-endian ELF (only little-endian dumps are read)")
    }
    let type = try reader.u16(16, "e_type")
    guard type == 4 else {
      throw DumpError.badField(
        path: path, offset: 16, field: "e_type", expected: "4 (ET_CORE), found \(type)")
    }
    machine = try reader.u16(18, "e_machine")
    // Page tables, registers and structure layouts are read as x86_64's: a dump of
    // another machine would be read as garbage, so it is refused by name.
    guard machine == Self.machineX86_64 else {
      throw DumpError.unsupported(
        path: path,
        what:
          "e_machine \(machine) (\(Self.machineName(machine))) at offset 18: only x86_64 (62) dumps are read")
    }
    let phoff = try reader.u64(32, "e_phoff")
    let shoff = try reader.u64(40, "e_shoff")
    let phentsize = Int(try reader.u16(54, "e_phentsize"))
    var phnum = UInt64(try reader.u16(56, "e_phnum"))
    guard phentsize >= 56 else {
      throw DumpError.badField(path: path, offset: 54, field: "e_phentsize", expected: "at least 56")
    }
    if phnum == 0xFFFF {
      // PN_XNUM: the real count is in sh_info of section header 0 (QEMU paging dumps).
      let section = try source.read(at: shoff, count: 64, expected: "section header 0 (PN_XNUM)")
      phnum = UInt64(section.u32(44) ?? 0)
    }
    guard phnum <= source.size / UInt64(phentsize) else {
      throw DumpError.badField(
        path: path, offset: 56, field: "e_phnum", expected: "a count that fits the file, found \(phnum)")
    }
    let table = try source.read(
      at: phoff, count: Int(phnum) * phentsize, expected: "\(phnum) program headers")
    var segments: [Segment] = []
    var notes: [ElfNote] = []
    var missing: UInt64 = 0
    for index in 0..<Int(phnum) {
      let base = index * phentsize
      let entry = FieldReader(
        bytes: table, path: path, fileOffset: phoff, structure: "Elf64_Phdr[\(index)]")
      let pType = try entry.u32(base, "p_type")
      let offset = try entry.u64(base + 8, "p_offset")
      let fileSize = try entry.u64(base + 32, "p_filesz")
      if pType == 4 {  // PT_NOTE
        // Read what is there: a truncated file keeps the notes it has.
        let available = source.size > offset ? min(fileSize, source.size - offset) : 0
        guard available <= 1 << 26 else {
          throw DumpError.badField(
            path: path, offset: phoff + UInt64(base), field: "PT_NOTE p_filesz", expected: "under 64 MiB")
        }
        let blob = try source.read(at: offset, count: Int(available), expected: "PT_NOTE")
        notes += try ElfNote.parse(blob, path: path, fileOffset: offset)
      } else if pType == 1 {  // PT_LOAD
        let segment = Segment(
          physical: try entry.u64(base + 24, "p_paddr"), virtual: try entry.u64(base + 16, "p_vaddr"),
          memorySize: try entry.u64(base + 40, "p_memsz"), fileSize: fileSize, fileOffset: offset)
        if segment.physical == UInt64.max || segment.memorySize == 0 { continue }
        guard segment.physical &+ segment.memorySize >= segment.physical, fileSize <= segment.memorySize
        else {
          throw DumpError.badField(
            path: path, offset: phoff + UInt64(base), field: "PT_LOAD[\(index)]",
            expected: "p_filesz <= p_memsz and no wrap-around")
        }
        // A dump writer keeps a bit per page frame up to the highest address: one
        // bitmap byte per 8 frames must not outgrow what the file holds.
        let end = segment.physical + segment.memorySize
        guard end / UInt64(pageSize) / 8 <= max(source.heldBytes, Self.bitmapFloor) else {
          throw DumpError.badField(
            path: path, offset: phoff + UInt64(base) + 24, field: "PT_LOAD[\(index)] p_paddr + p_memsz",
            expected:
              "memory within what a \(source.size)-byte file can describe, found an end at \(hex(end))")
        }
        let fileEnd = offset &+ fileSize
        if fileEnd > source.size || fileEnd < offset {
          let absent = fileSize - (source.size > offset ? source.size - offset : 0)
          let (sum, overflow) = missing.addingReportingOverflow(absent)
          missing = overflow ? UInt64.max : sum
        }
        segments.append(segment)
      }
    }
    self.segments = Self.disjoint(segments)
    self.notes = notes
    missingBytes = missing
  }

  /// The segments sorted by physical address and trimmed so that none overlaps: the
  /// kernel-text segment of /proc/vmcore repeats part of a RAM segment, and QEMU
  /// paging dumps map one physical page at several virtual addresses; overlapping
  /// parts hold the same bytes, so the first (longest) segment keeps them.
  static func disjoint(_ segments: [Segment]) -> [Segment] {
    let sorted = segments.sorted { ($0.physical, $1.memorySize) < ($1.physical, $0.memorySize) }
    var result: [Segment] = []
    var coveredEnd: UInt64 = 0
    for var segment in sorted {
      let end = segment.physical + segment.memorySize
      if !result.isEmpty && end <= coveredEnd { continue }
      if !result.isEmpty && segment.physical < coveredEnd {
        let cut = coveredEnd - segment.physical
        segment.physical += cut
        segment.virtual &+= cut
        segment.memorySize -= cut
        segment.fileOffset &+= min(cut, segment.fileSize)
        segment.fileSize -= min(cut, segment.fileSize)
      }
      result.append(segment)
      coveredEnd = end
    }
    return result
  }

  public var physicalEnd: UInt64 {
    segments.map { $0.physical + $0.memorySize }.max() ?? 0
  }

  /// The physical ranges the headers say the file holds (`p_filesz` of each PT_LOAD),
  /// whether or not a truncated file still has them.
  public var promisedRanges: [Range<UInt64>] {
    segments.compactMap { $0.fileSize > 0 ? $0.physical..<$0.physical + $0.fileSize : nil }
  }

  public var presentRanges: [Range<UInt64>] {
    segments.compactMap { segment in
      let inFile =
        source.size > segment.fileOffset ? min(segment.fileSize, source.size - segment.fileOffset) : 0
      return inFile > 0 ? segment.physical..<segment.physical + inFile : nil
    }
  }

  /// The segment that holds `address` (segments are disjoint: a binary search).
  func segment(containing address: UInt64) -> Segment? {
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

  public func release(_ range: Range<UInt64>) {
    for segment in segments {
      let low = max(range.lowerBound, segment.physical)
      let high = min(range.upperBound, segment.physical + segment.fileSize)
      if low < high {
        source.release(offset: segment.fileOffset + (low - segment.physical), count: high - low)
      }
    }
  }

  public func readPhysical(_ address: UInt64, count: Int) throws -> [UInt8] {
    // Not zeroed first: every byte is copied from the file or the read throws.
    try [UInt8](unsafeUninitializedCapacity: count) { result, initialized in
      try copyPhysical(address, count: count, into: result)
      initialized = count
    }
  }

  /// Copies `count` bytes of physical memory into `result`, segment by segment.
  private func copyPhysical(
    _ address: UInt64, count: Int, into result: UnsafeMutableBufferPointer<UInt8>
  ) throws {
    var done = 0
    while done < count {
      let current = address &+ UInt64(done)
      guard let segment = segment(containing: current) else {
        throw DumpError.physicalNotInDump(address: current)
      }
      let delta = current - segment.physical
      let chunk = Int(min(UInt64(count - done), segment.memorySize - delta))
      if delta >= segment.fileSize {
        throw DumpError.pageExcluded(address: current)
      }
      let inFile = Int(min(UInt64(chunk), segment.fileSize - delta))
      let (offset, wrapped) = segment.fileOffset.addingReportingOverflow(delta)
      guard !wrapped, source.contains(offset: offset, count: UInt64(inFile)) else {
        throw DumpError.pageMissing(address: current, reason: "the file ends at \(source.size)")
      }
      try source.copyBytes(
        at: offset, count: inFile,
        into: UnsafeMutableRawBufferPointer(
          UnsafeMutableBufferPointer(rebasing: result[done..<done + inFile])))
      if inFile < chunk { throw DumpError.pageExcluded(address: current + UInt64(inFile)) }
      done += chunk
    }
  }
}
