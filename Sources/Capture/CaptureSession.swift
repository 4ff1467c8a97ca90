import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One capture, in the order that loses least when the target fills or the
/// machine dies again: the kernel log (text and JSON records), `crash.json` with
/// the crash scene, then the dump, then `crash.json` again with every file's
/// SHA-256 (vmcore-format.md §7).
public struct CaptureSession {
  public struct Options: Sendable {
    public var source: String
    public var directory: String
    public var level: DumpLevel
    public var codec: PageCodec
    public var threads: Int
    public var resume: Bool

    public init(
      source: String, directory: String, level: DumpLevel = .all, codec: PageCodec = .zstd, threads: Int = 1,
      resume: Bool = false
    ) {
      self.source = source
      self.directory = directory
      self.level = level
      self.codec = codec
      self.threads = threads
      self.resume = resume
    }
  }

  public enum Phase: String, Sendable { case log, filter, dump, checksum }

  public struct Progress: Sendable {
    public var phase: Phase
    public var pagesDone: UInt64
    public var pagesTotal: UInt64
    public var bytesWritten: UInt64
  }

  /// What was saved.
  public struct Report: Sendable {
    public var files: [SavedFile] = []
    public var logRecords = 0
    public var scene: CrashScene?
    public var release: String?
    /// The level actually applied (lower than asked when page filtering is impossible).
    public var level = DumpLevel()
    public var codec = PageCodec.none
    public var pageSize = 4096
    /// Pages of RAM in the dumped machine (1st bitmap).
    public var pagesTotal: UInt64 = 0
    public var excluded: [ExcludedClass: UInt64] = [:]
    /// Pages with a descriptor (zero pages included).
    public var pagesDumpable: UInt64 = 0
    public var pagesWritten: UInt64 = 0
    public var dumpBytes: UInt64 = 0
    public var complete = false
    public var resumedAt: UInt64?
    public var seconds = 0.0
    /// Seconds spent in each phase (open, log, filter, dump, checksum).
    public var phaseSeconds: [(phase: String, seconds: Double)] = []
    public var problems: [String] = []
    public var error: CaptureError?
  }

  public struct SavedFile: Sendable, Equatable {
    public var name: String
    public var bytes: UInt64
    public var sha256: String
  }

  public static let dumpName = "dump.kdump"
  public let options: Options

  public init(options: Options) { self.options = options }

  public func run(progress: (Progress) -> Void = { _ in }) throws -> Report {
    let clock = ContinuousClock()
    let started = clock.now
    var report = Report()
    var mark = started
    func lap(_ phase: String) {
      let now = clock.now
      let elapsed = now - mark
      report.phaseSeconds.append(
        (phase, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
      mark = now
    }
    report.codec = options.codec
    let recorder = ReadRecorder(try FileSource(path: options.source, access: .readOnce))
    let vmcore = try Vmcore(source: recorder)
    report.problems += vmcore.problems
    report.release = vmcore.vmcoreInfo?.osRelease
    report.pageSize = vmcore.physical.pageSize
    lap("open")
    progress(Progress(phase: .log, pagesDone: 0, pagesTotal: 0, bytesWritten: 0))
    var logFiles: [String] = []
    recorder.recording = true
    let names = utsname(vmcore)
    do {
      let log = try vmcore.kernelLog()
      report.problems += log.problems
      report.logRecords = log.records.count
      report.scene = CrashScene(records: log.records, cpus: vmcore.cpus)
      var text: [UInt8] = []
      var json: [UInt8] = []
      for record in log.records {
        DmesgFormatter.vmcoreDmesg(record, into: &text)
        json += Array(DmesgFormatter.json(record).utf8)
        json.append(UInt8(ascii: "\n"))
      }
      for (name, bytes) in [("dmesg.txt", text), ("dmesg.json", json)] {
        do {
          try SmallFile.write(bytes, to: path(name))
          logFiles.append(name)
        } catch let error as CaptureError {
          report.problems.append("\(error)")
        }
      }
    } catch {
      report.problems.append("the kernel log cannot be read: \(error)")
    }
    // Other readers (makedumpfile, crash) translate kernel-image addresses through
    // the page tables too: keep the tables that map every symbol VMCOREINFO names.
    if let info = vmcore.vmcoreInfo, let space = try? X86_64AddressSpace(vmcoreInfo: info) {
      for entry in info.entries where entry.key.hasPrefix("SYMBOL(") {
        if let address = UInt64(entry.value, radix: 16) { _ = try? space.walk(address, in: vmcore.physical) }
      }
      // makedumpfile validates the mem_section table before it reads the log.
      if let memory = try? vmcore.kernelMemory(),
        let sections = try? SparseMemMap(vmcoreInfo: info, memory: memory)
      {
        let frames = vmcore.physical.physicalEnd / UInt64(vmcore.physical.pageSize)
        for section in 0..<(frames + sections.pagesPerSection - 1) / sections.pagesPerSection {
          _ = sections.memMap(section: section)
        }
      }
    }
    recorder.recording = false
    report.files = logFiles.compactMap { try? checksum($0) }
    try? writeCrashJSON(report)

    // The bitmaps: RAM, then what the level keeps.
    lap("log")
    progress(Progress(phase: .filter, pagesDone: 0, pagesTotal: 0, bytesWritten: 0))
    let pageSize = UInt64(vmcore.physical.pageSize)
    let maxMapNr = (vmcore.physical.physicalEnd + pageSize - 1) / pageSize
    var memory = PageBitmap(pageCount: maxMapNr)
    var dumpable = PageBitmap(pageCount: maxMapNr)
    let elf = vmcore.physical as? ElfVmcore
    // Whole pages only, as makedumpfile counts them: /proc/vmcore's first segment
    // ends inside a page (0x9fc00), and that page is left out of both bitmaps.
    func whole(_ range: Range<UInt64>) -> Range<UInt64> {
      let low = (range.lowerBound + pageSize - 1) / pageSize
      return low..<max(low, range.upperBound / pageSize)
    }
    if let elf {
      for segment in elf.segments {
        memory.insert(whole(segment.physical..<segment.physical + segment.memorySize))
      }
    }
    for range in vmcore.physical.presentRanges {
      dumpable.insert(whole(range))
      if elf == nil { memory.insert(whole(range)) }
    }
    report.pagesTotal = memory.count
    report.level = options.level
    let filtering = options.level.subtracting(.zero)
    if !filtering.isEmpty {
      do {
        guard let info = vmcore.vmcoreInfo else { throw CaptureError.missingVmcoreInfo(key: "VMCOREINFO") }
        let filter = try PageFilter(level: options.level, vmcoreInfo: info, memory: try vmcore.kernelMemory())
        let result = filter.apply(to: &dumpable)
        report.excluded = result.excluded
        report.problems += result.problems
      } catch {
        report.level = options.level.intersection(.zero)
        report.problems.append(
          "pages cannot be filtered (\(error)): dump level \(report.level.rawValue) used instead of \(options.level.rawValue)"
        )
      }
    }
    report.pagesDumpable = dumpable.count

    lap("filter")
    // The dump.
    let (notes, vmcoreInfoRange) = KdumpHeaderFields.notesBlob(vmcore.notes)
    let fields = KdumpHeaderFields(
      utsname: names, timestamp: Int64(time(nil)), codec: options.codec,
      dumpLevel: report.level.rawValue,
      physBase: vmcore.vmcoreInfo?.number("phys_base").map { UInt64(bitPattern: $0) } ?? 0,
      cpuCount: Int32(vmcore.notes.filter { $0.name == "CORE" && $0.type == ElfNote.prstatus }.count),
      notes: notes, vmcoreInfoRange: vmcoreInfoRange)
    let layout = KdumpCompressedLayout(
      blockSize: Int(pageSize), maxMapNr: maxMapNr, notesSize: notes.count, dumpedPages: report.pagesDumpable)
    let writer = KdumpCompressedWriter(layout: layout, fields: fields, threads: options.threads)
    let dumpPath = path(Self.dumpName)
    var resume: KdumpCompressedWriter.ResumePoint?
    if options.resume {
      resume = try KdumpCompressedWriter.resumePoint(path: dumpPath, layout: layout, fields: fields)
      report.resumedAt = resume?.rank
    }
    let source: any PageSource =
      elf.map { ElfPageSource(elf: $0) } ?? PhysicalPageSource(physical: vmcore.physical)
    let output = try FileDumpOutput(path: dumpPath, truncate: resume == nil)
    let result = try writer.write(
      memory: memory, dumpable: dumpable, source: source, to: output,
      first: elf.map { recorder.frames(in: $0) } ?? [], resume: resume
    ) { step in
      progress(
        Progress(
          phase: .dump, pagesDone: step.pagesDone, pagesTotal: step.pagesTotal,
          bytesWritten: step.bytesWritten))
    }
    report.pagesWritten = result.pagesWritten
    report.dumpBytes = result.fileSize
    report.complete = result.complete
    report.error = result.error
    if options.level.contains(.zero) { report.excluded[.zero] = result.zeroPages }
    if result.unreadablePages > 0 {
      report.problems.append(
        "\(result.unreadablePages) pages could not be read from the source: saved as zeros")
    }
    if let error = result.error {
      report.problems.append(
        "the dump is incomplete (\(error)): \(result.pagesWritten) of \(layout.dumpedPages) pages saved; run again with --resume or another target"
      )
    }
    lap("dump")
    progress(Progress(phase: .checksum, pagesDone: 0, pagesTotal: 0, bytesWritten: 0))
    report.files = (logFiles + [Self.dumpName]).compactMap { try? checksum($0) }
    report.seconds =
      Double((clock.now - started).components.attoseconds) / 1e18
      + Double((clock.now - started).components.seconds)
    do {
      try writeCrashJSON(report)
    } catch {
      report.problems.append(
        "crash.json could not be updated (\(error)); the first one, without the dump, stays")
    }
    return report
  }

  func path(_ name: String) -> String { options.directory + "/" + name }

  /// `struct new_utsname` of `init_uts_ns` (SYMBOL(init_uts_ns) +
  /// OFFSET(uts_namespace.name)), six fields of 65 bytes; release and machine from
  /// VMCOREINFO when memory does not say.
  func utsname(_ vmcore: Vmcore) -> [String] {
    var fields = ["Linux", "", vmcore.vmcoreInfo?.osRelease ?? "", "", "x86_64", ""]
    if let info = vmcore.vmcoreInfo, let base = info.symbol("init_uts_ns"),
      let memory = try? vmcore.kernelMemory()
    {
      let start = base &+ (info.offset("uts_namespace.name") ?? 0)
      for index in 0..<6 {
        if let text = try? memory.cString(start &+ UInt64(65 * index), maxLength: 65), !text.isEmpty {
          fields[index] = text
        }
      }
    }
    return fields
  }

  func checksum(_ name: String) throws -> SavedFile {
    let (size, digest) = try SmallFile.sha256(path(name))
    return SavedFile(name: name, bytes: size, sha256: digest)
  }

  func writeCrashJSON(_ report: Report) throws {
    try SmallFile.overwrite(
      Array(CrashRecord.json(report, source: options.source).utf8), to: path("crash.json"))
  }
}
