import KernelLog

/// A vmcore in any format this library reads, opened: its physical memory, notes,
/// CPU registers and VMCOREINFO, and what is missing from it.
public struct Vmcore: Sendable {
  public enum Format: Sendable, Equatable, CustomStringConvertible {
    case elf
    case kdumpCompressed(flattened: Bool)
    case split(parts: Int)

    public var description: String {
      switch self {
      case .elf: return "ELF64"
      case .kdumpCompressed(let flattened):
        return flattened ? "kdump-compressed (flattened stream)" : "kdump-compressed"
      case .split(let parts): return "kdump-compressed, split in \(parts) files"
      }
    }
  }

  /// Where the VMCOREINFO came from.
  public enum VmcoreInfoSource: String, Sendable {
    case note, subHeader = "kdump sub-header", memoryScan = "found by scanning memory"
  }

  public let path: String
  public let format: Format
  public let physical: any PhysicalMemory
  public let notes: [ElfNote]
  public let cpus: [CpuRegisters]
  public let vmcoreInfo: VmcoreInfo?
  public let vmcoreInfoSource: VmcoreInfoSource?
  /// The kdump header, for kdump-compressed dumps.
  public let kdumpHeader: KdumpHeader?
  /// What the dump lacks: truncation, incompleteness, missing notes.
  public let problems: [String]

  /// Opens and maps `path`, detecting the format from its first bytes.
  public static func open(path: String) throws -> Vmcore {
    try Vmcore(source: FileSource(path: path))
  }

  /// Opens the files of a split dump (`makedumpfile --split`) as one dump; a
  /// single path opens that file.
  public static func open(paths: [String]) throws -> Vmcore {
    if paths.count == 1 { return try open(path: paths[0]) }
    var problems: [String] = []
    var parts: [KdumpCompressedDump] = []
    for path in paths {
      let source = try FileSource(path: path)
      let logical: any ByteSource
      if FlattenedSource.matches(source) {
        let flat = try FlattenedSource(stream: source)
        if !flat.isComplete { problems.append("\(path): the flattened stream has no end marker") }
        logical = flat
      } else {
        logical = source
      }
      let part = try KdumpCompressedDump(source: logical)
      guard part.header.split else {
        throw DumpError.badField(
          path: path, offset: UInt64(part.header.blockSize) + 12, field: "split",
          expected: "a part of a split dump when several files are given")
      }
      if part.header.isIncomplete { problems.append("\(path): the dump is flagged incomplete") }
      parts.append(part)
    }
    let split = try SplitDump(parts: parts)
    let first = split.parts[0]
    let (cpus, info, infoSource) = finish(
      path: paths.joined(separator: " "), notes: first.notes,
      info: first.vmcoreInfoText.map { VmcoreInfo(text: $0) },
      infoSource: first.vmcoreInfoText == nil ? nil : .subHeader, physical: split, problems: &problems)
    return Vmcore(
      path: paths.joined(separator: " "), format: .split(parts: parts.count), physical: split,
      notes: first.notes, cpus: cpus, vmcoreInfo: info, vmcoreInfoSource: infoSource,
      kdumpHeader: first.header,
      problems: problems)
  }

  public init(source: any ByteSource) throws {
    let path = source.name
    var problems: [String] = []
    let magic = (try? source.read(at: 0, count: 8)) ?? []
    let flattened = FlattenedSource.matches(source)
    var logical: any ByteSource = source
    if flattened {
      let flat = try FlattenedSource(stream: source)
      if !flat.isComplete {
        problems.append("the flattened stream has no end marker: the capture was cut short")
      }
      logical = flat
    } else if magic != KdumpHeader.signature && magic != Array("DISKDUMP".utf8)
      && !magic.starts(with: [0x7F, 0x45, 0x4C, 0x46])
    {
      throw DumpError.unknownFormat(path: path)
    }
    let logicalMagic = (try? logical.read(at: 0, count: 4)) ?? []
    if logicalMagic == [0x7F, 0x45, 0x4C, 0x46] {
      // An ELF vmcore, possibly inside a flattened stream (makedumpfile -E -F).
      let elf = try ElfVmcore(source: logical)
      if elf.missingBytes > 0 {
        problems.append(
          "the file is truncated: \(elf.missingBytes) bytes of memory the headers promise are missing")
      }
      let (cpus, info, infoSource) = Self.finish(
        path: path, notes: elf.notes, info: nil, infoSource: nil, physical: elf, problems: &problems)
      self.init(
        path: path, format: .elf, physical: elf, notes: elf.notes, cpus: cpus, vmcoreInfo: info,
        vmcoreInfoSource: infoSource, kdumpHeader: nil, problems: problems)
      return
    }
    let dump = try KdumpCompressedDump(source: logical)
    if dump.header.isIncomplete {
      problems.append("the dump is flagged incomplete (its writer stopped early or lacked pages)")
    }
    if dump.header.split && dump.pfnRange != 0..<dump.header.maxMapNr {
      problems.append(
        "this file is one part of a split dump (page frames \(dump.pfnRange.lowerBound)..<\(dump.pfnRange.upperBound)): give every part"
      )
    }
    let missing = dump.missingPages()
    if missing.total > 0 {
      let why = [
        (missing.descriptorsPastEnd, "descriptors past the end of the file"),
        (missing.dataPastEnd, "data past the end of the file"),
        (missing.neverWritten, "never written (empty descriptors)"),
      ].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
      problems.append("\(missing.total) of \(dump.dumpedPages) dumped pages are missing: \(why)")
    }
    let (cpus, info, infoSource) = Self.finish(
      path: path, notes: dump.notes, info: dump.vmcoreInfoText.map { VmcoreInfo(text: $0) },
      infoSource: dump.vmcoreInfoText == nil ? nil : .subHeader, physical: dump, problems: &problems)
    self.init(
      path: path, format: .kdumpCompressed(flattened: flattened), physical: dump, notes: dump.notes,
      cpus: cpus, vmcoreInfo: info, vmcoreInfoSource: infoSource, kdumpHeader: dump.header,
      problems: problems)
  }

  init(
    path: String, format: Format, physical: any PhysicalMemory, notes: [ElfNote], cpus: [CpuRegisters],
    vmcoreInfo: VmcoreInfo?, vmcoreInfoSource: VmcoreInfoSource?, kdumpHeader: KdumpHeader?,
    problems: [String]
  ) {
    self.path = path
    self.format = format
    self.physical = physical
    self.notes = notes
    self.cpus = cpus
    self.vmcoreInfo = vmcoreInfo
    self.vmcoreInfoSource = vmcoreInfoSource
    self.kdumpHeader = kdumpHeader
    self.problems = problems
  }

  /// Registers from the notes; VMCOREINFO from the note, else the sub-header, else
  /// a scan of memory.
  static func finish(
    path: String, notes: [ElfNote], info: VmcoreInfo?, infoSource: VmcoreInfoSource?,
    physical: any PhysicalMemory,
    problems: inout [String]
  ) -> ([CpuRegisters], VmcoreInfo?, VmcoreInfoSource?) {
    var cpus: [CpuRegisters] = []
    var qemuIndex = 0
    for note in notes {
      do {
        if note.name == "CORE", note.type == ElfNote.prstatus {
          cpus.append(try CpuRegisters(prstatus: note, path: path))
        } else if note.name == "QEMU", note.type == 0 {
          qemuIndex += 1
          cpus.append(try CpuRegisters(qemu: note, index: qemuIndex - 1, path: path))
        }
      } catch {
        problems.append("a \(note.name) note at offset \(note.fileOffset) cannot be decoded: \(error)")
      }
    }
    cpus = mergeQemuNotes(cpus)
    if let note = notes.first(where: { $0.name == "VMCOREINFO" }) {
      return (cpus, VmcoreInfo(text: note.descriptor), .note)
    }
    if let info { return (cpus, info, infoSource) }
    // Accept a candidate whose page-table root translates (the crashed kernel's,
    // not a capture kernel's leftover).
    let found = VmcoreInfoScan.scan(physical) { candidate in
      guard let space = try? X86_64AddressSpace(vmcoreInfo: candidate) else { return false }
      return (try? physical.physicalU64(space.rootTable)) != nil
    }
    if let found {
      problems.append("no VMCOREINFO note: using the copy found in memory at \(hex(found.address))")
      return (cpus, found.info, .memoryScan)
    }
    problems.append("no VMCOREINFO in the dump or its memory")
    return (cpus, nil, nil)
  }

  /// The sequence number of the first record after the last `dmesg -C`.
  public func clearSequence() throws -> UInt64 {
    guard let vmcoreInfo else { throw DumpError.noVmcoreInfo }
    return try PrintkRingBuffer.clearSequence(vmcoreInfo: vmcoreInfo, memory: try kernelMemory())
  }

  /// QEMU writes an NT_PRSTATUS and a QEMUCPUState note per vCPU, in vCPU order:
  /// one CPU each, with the NT_PRSTATUS registers, QEMU's control registers and the
  /// vCPU number.
  static func mergeQemuNotes(_ cpus: [CpuRegisters]) -> [CpuRegisters] {
    let prstatus = cpus.filter { $0.source == .prstatus }
    let qemu = cpus.filter { $0.source == .qemu }
    guard !qemu.isEmpty else { return cpus }
    guard prstatus.count == qemu.count else { return qemu }
    return zip(prstatus, qemu).map { pair in
      var cpu = pair.0
      cpu.controlRegisters = pair.1.controlRegisters
      cpu.vcpu = pair.1.vcpu
      return cpu
    }
  }

  /// The kernel's virtual memory, translated through its page tables.
  public func kernelMemory() throws -> KernelMemory {
    guard let vmcoreInfo else { throw DumpError.noVmcoreInfo }
    return KernelMemory(physical: physical, addressSpace: try X86_64AddressSpace(vmcoreInfo: vmcoreInfo))
  }

  /// The kernel log as the report parser reads it (KernelLog's `LogRecord`), for
  /// `coroner examine`: the same parser as for a console log.
  public func logRecords() throws -> [LogRecord] {
    try kernelLog().records.map(\.logRecord)
  }

  /// The kernel log: the lockless ring buffer when `SYMBOL(prb)` is present, else the
  /// structured `log_buf` (vmcore-format.md §3.5, dispatch).
  public func kernelLog() throws -> PrintkLog {
    guard let vmcoreInfo else { throw DumpError.noVmcoreInfo }
    let memory = try kernelMemory()
    if vmcoreInfo.symbol("prb") != nil {
      return try PrintkRingBuffer(vmcoreInfo: vmcoreInfo, memory: memory).records(in: memory)
    }
    if vmcoreInfo.symbol("log_first_idx") != nil {
      return try PrintkLogBuffer(vmcoreInfo: vmcoreInfo, memory: memory).records(in: memory)
    }
    if vmcoreInfo.symbol("log_end") != nil {
      throw DumpError.unsupported(path: path, what: "the plain character log_buf of kernels before 3.5")
    }
    throw DumpError.missingVmcoreInfo(key: "SYMBOL(prb) or SYMBOL(log_first_idx)")
  }
}
