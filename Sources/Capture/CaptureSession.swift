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
    /// Where the dump goes instead of DIRECTORY/dump.kdump (`makedumpfile -F`'s pipe).
    public var output: (any DumpOutput & Sendable)?
    /// `capture --to -`: the dump goes to standard output as a flattened stream, which
    /// `CaptureTool` opens as `output`; `directory` keeps the log and crash.json.
    public var standardOutput = false

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

  public static let dumpName = "dump.kdump"
  public let options: Options

  public init(options: Options) { self.options = options }

  public func run(progress: (Progress) -> Void = { _ in }) throws -> Report {
    var clock = PhaseClock()
    var report = Report()
    report.codec = options.codec
    let recorder = ReadRecorder(try FileSource(path: options.source, access: .readOnce))
    let vmcore = try Vmcore(source: recorder)
    report.problems += vmcore.problems
    report.release = vmcore.vmcoreInfo?.osRelease
    report.pageSize = vmcore.physical.pageSize
    let choice = PageCodecChoice.resolve(options.codec, pageSize: vmcore.physical.pageSize)
    report.codec = choice.codec
    if let note = choice.note { report.problems.append(note) }
    clock.lap("open", &report)

    // What the log and the scene are read from is recorded, and written first.
    progress(Progress(phase: .log, pagesDone: 0, pagesTotal: 0, bytesWritten: 0))
    recorder.recording = true
    let utsname = vmcore.utsname
    let logFiles = saveLog(vmcore, &report)
    readWhatOtherReadersNeed(vmcore)
    recorder.recording = false
    report.files = logFiles.compactMap { try? checksum($0) }
    try? writeCrashJSON(report)
    clock.lap("log", &report)

    progress(Progress(phase: .filter, pagesDone: 0, pagesTotal: 0, bytesWritten: 0))
    var (memory, dumpable, unaccounted) = bitmaps(vmcore.physical, sourceBytes: recorder.heldBytes)
    if unaccounted > 0 {
      report.problems.append(
        "\(unaccounted) more pages the headers promise are not in the source, more than its size could "
          + "have held: left out of the dump (they read as excluded)")
    }
    report.pagesTotal = memory.count
    filter(&dumpable, vmcore, &report)
    report.pagesDumpable = dumpable.count
    clock.lap("filter", &report)

    let first = vmcore.physical.frames(inFilePages: recorder.pages, filePageSize: recorder.pageSize)
    try saveDump(
      vmcore, utsname: utsname, memory: memory, dumpable: dumpable, first: first, &report, progress: progress)
    clock.lap("dump", &report)

    progress(Progress(phase: .checksum, pagesDone: 0, pagesTotal: 0, bytesWritten: 0))
    report.files = (logFiles + [Self.dumpName]).compactMap { try? checksum($0) }
    report.seconds = clock.total
    do {
      try writeCrashJSON(report)
    } catch {
      report.problems.append(
        "crash.json could not be updated (\(error)); the first one, without the dump, stays")
    }
    return report
  }

  /// The kernel log as vmcore-dmesg prints it and as JSON records, and the crash
  /// scene; returns the files written.
  func saveLog(_ vmcore: Vmcore, _ report: inout Report) -> [String] {
    var logFiles: [String] = []
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
    return logFiles
  }

  /// Other readers (makedumpfile, crash) translate kernel-image addresses through the
  /// page tables too, and makedumpfile validates the mem_section table before it
  /// reads the log: reading them now has their pages recorded and written first.
  func readWhatOtherReadersNeed(_ vmcore: Vmcore) {
    guard let info = vmcore.vmcoreInfo, let space = try? X86_64AddressSpace(vmcoreInfo: info) else { return }
    for entry in info.entries where entry.key.hasPrefix("SYMBOL(") {
      if let address = UInt64(entry.value, radix: 16) { _ = try? space.walk(address, in: vmcore.physical) }
    }
    if let memory = try? vmcore.kernelMemory(),
      let sections = try? MemorySections(vmcoreInfo: info, memory: memory)
    {
      let frames = vmcore.physical.physicalEnd / UInt64(vmcore.physical.pageSize)
      for section in 0..<(frames + sections.pagesPerSection - 1) / sections.pagesPerSection {
        _ = sections.memMap(section: section)
      }
    }
  }

  /// The two bitmaps of the dump: the machine's RAM, and the pages the dump holds.
  /// Whole pages only, as makedumpfile counts them: /proc/vmcore's first segment ends
  /// inside a page (0x9fc00), and that page is left out of both.
  ///
  /// Pages the headers promise but a truncated source lost are kept, to be written as
  /// missing, up to as many as empty descriptors the size of the source would take
  /// (`sourceBytes / 24`): a cut copy of a real dump has all of its lost pages named,
  /// while a small file whose headers promise terabytes cannot make the capture write
  /// gigabytes of descriptors. The pages beyond are counted in `unaccounted`.
  func bitmaps(
    _ physical: any PhysicalMemory, sourceBytes: UInt64
  ) -> (
    memory: PageBitmap, dumpable: PageBitmap, unaccounted: UInt64
  ) {
    let pageSize = UInt64(physical.pageSize)
    let maxMapNr = (physical.physicalEnd + pageSize - 1) / pageSize
    var memory = PageBitmap(pageCount: maxMapNr)
    var dumpable = PageBitmap(pageCount: maxMapNr)
    func whole(_ range: Range<UInt64>) -> Range<UInt64> {
      let low = (range.lowerBound + pageSize - 1) / pageSize
      return low..<max(low, range.upperBound / pageSize)
    }
    for range in physical.memoryRanges { memory.insert(whole(range)) }
    let present = physical.presentRanges.map(whole).filter { !$0.isEmpty }.sorted {
      $0.lowerBound < $1.lowerBound
    }
    for range in present { dumpable.insert(range) }
    var budget = sourceBytes / UInt64(KdumpPageDescriptor.size)
    var unaccounted: UInt64 = 0
    func lose(_ part: Range<UInt64>) {
      guard !part.isEmpty else { return }
      let take = min(UInt64(part.count), budget)
      dumpable.insert(part.lowerBound..<part.lowerBound + take)
      budget -= take
      unaccounted += UInt64(part.count) - take
    }
    // The parts of the promised ranges that no present range covers are the lost
    // pages: both lists sorted, walked once.
    var next = 0
    for promised in physical.promisedRanges.map(whole).sorted(by: { $0.lowerBound < $1.lowerBound }) {
      var low = promised.lowerBound
      while next < present.count, present[next].upperBound <= low { next += 1 }
      var index = next
      while index < present.count, present[index].lowerBound < promised.upperBound, low < promised.upperBound
      {
        let end = min(present[index].lowerBound, promised.upperBound)
        if low < end { lose(low..<end) }
        low = max(low, present[index].upperBound)
        index += 1
      }
      if low < promised.upperBound { lose(low..<promised.upperBound) }
    }
    return (memory, dumpable, unaccounted)
  }

  /// Takes out of `dumpable` the pages the dump level excludes; a dump whose page
  /// descriptors cannot be read keeps them all (only zero pages can still go).
  func filter(_ dumpable: inout PageBitmap, _ vmcore: Vmcore, _ report: inout Report) {
    report.level = options.level
    guard !options.level.subtracting(.zero).isEmpty else { return }
    do {
      guard let info = vmcore.vmcoreInfo else { throw DumpError.noVmcoreInfo }
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

  /// The kdump-compressed dump, resumed where an interrupted run stopped when asked;
  /// the frames in `first` are written before all others.
  func saveDump(
    _ vmcore: Vmcore, utsname: [String], memory: PageBitmap, dumpable: PageBitmap, first: [UInt64],
    _ report: inout Report, progress: (Progress) -> Void
  ) throws {
    let (notes, vmcoreInfoRange) = KdumpHeaderFields.notesBlob(vmcore.notes)
    let fields = KdumpHeaderFields(
      utsname: utsname, timestamp: Int64(time(nil)), codec: report.codec, dumpLevel: report.level.rawValue,
      physBase: vmcore.vmcoreInfo?.number("phys_base").map { UInt64(bitPattern: $0) } ?? 0,
      cpuCount: Int32(vmcore.notes.filter { $0.name == "CORE" && $0.type == ElfNote.prstatus }.count),
      notes: notes, vmcoreInfoRange: vmcoreInfoRange)
    let layout = KdumpCompressedLayout(
      blockSize: vmcore.physical.pageSize, maxMapNr: memory.pageCount, notesSize: notes.count,
      dumpedPages: report.pagesDumpable)
    let writer = KdumpCompressedWriter(layout: layout, fields: fields, threads: options.threads)
    let dumpPath = path(Self.dumpName)
    var resume: KdumpCompressedWriter.ResumePoint?
    if options.resume {
      resume = try KdumpCompressedWriter.resumePoint(path: dumpPath, layout: layout, fields: fields)
      report.resumedAt = resume?.rank
    }
    let output: any DumpOutput = try options.output ?? FileDumpOutput(path: dumpPath, truncate: resume == nil)
    let result = try writer.write(
      memory: memory, dumpable: dumpable, source: vmcore.physical, to: output, first: first, resume: resume
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
    if report.codec == .zlib, let fallback = PageEncoder.zlibFallback { report.problems.append(fallback) }
    report.pagesUnreadable = result.unreadablePages
    if result.unreadablePages > 0 {
      report.problems.append(
        "\(result.unreadablePages) of \(layout.dumpedPages) pages could not be read from the source: "
          + "saved as missing (empty descriptors), the dump flagged incomplete")
    }
    if let error = result.error {
      report.problems.append(
        "the dump is incomplete (\(error)): \(result.pagesWritten) of \(layout.dumpedPages) pages saved; run again with --resume or another target"
      )
    }
  }

  func path(_ name: String) -> String { options.directory + "/" + name }

  func checksum(_ name: String) throws -> SavedFile {
    let (size, digest) = try SmallFile.sha256(path(name))
    return SavedFile(name: name, bytes: size, sha256: digest)
  }

  func writeCrashJSON(_ report: Report) throws {
    try SmallFile.overwrite(
      Array(CrashRecord.json(report, source: options.source, stream: options.output?.name).utf8),
      to: path("crash.json"))
  }
}

/// Seconds spent in each phase of a capture, for `crash.json`.
struct PhaseClock {
  let clock = ContinuousClock()
  let started: ContinuousClock.Instant
  var mark: ContinuousClock.Instant

  init() {
    started = clock.now
    mark = started
  }

  mutating func lap(_ phase: String, _ report: inout CaptureSession.Report) {
    let now = clock.now
    report.phaseSeconds.append((phase, Self.seconds(now - mark)))
    mark = now
  }

  var total: Double { Self.seconds(clock.now - started) }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
}
