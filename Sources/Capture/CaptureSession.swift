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
    /// Bytes of each bitmap held at a time (`capture --cyclic-buffer`, `PageCycles`).
    public var cyclicBufferBytes = PageCycles.defaultBufferBytes
    /// `capture --checksum`: crash.json gets the dump's SHA-256 too, not only the logs'.
    /// It costs a second read of the whole dump once it is written, the machine still
    /// down: 3-9% of a capture from the page cache here (scripts/bench-capture), and a
    /// read from disk where the dump outgrows the capture kernel's page cache.
    public var checksumsDump = false
    /// Whether /proc/vmcore is read through a mapped window (`FileBytes.Windows`);
    /// false for `capture --non-mmap`.
    public var mapsSource = true

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
    let file = try FileSource(
      path: options.source, access: .readOnce, windows: options.mapsSource ? .automatic : .never)
    let recorder = ReadRecorder(file)
    let vmcore = try Vmcore(source: recorder)
    if let elf = vmcore.physical as? ElfVmcore {
      file.file.cutWindows(
        at: elf.segments.flatMap { [$0.fileOffset, $0.fileOffset + $0.fileSize] }, pageSize: elf.pageSize)
    }
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
    let ranges = pageRanges(vmcore.physical, sourceBytes: recorder.heldBytes)
    if ranges.unaccounted > 0 {
      report.problems.append(
        "\(ranges.unaccounted) more pages the headers promise are not in the source, more than its size could "
          + "have held: left out of the dump (they read as excluded)")
    }
    let cycles = PageCycles(
      pageCount: ranges.pageCount, memory: ranges.memory, dumpable: ranges.dumpable,
      filter: pageFilter(vmcore, &report), bufferBytes: options.cyclicBufferBytes)
    let first = vmcore.physical.frames(inFilePages: recorder.pages, filePageSize: recorder.pageSize)
    try saveDump(
      vmcore, utsname: utsname, cycles: cycles, first: first, &report, clock: &clock, progress: progress)
    clock.lap("dump", &report)
    let refused = file.file.windowsRefused
    report.sourceRead =
      !file.file.readsThroughWindow
      ? "read"
      : refused.count == 0
        ? "mmap"
        : "mmap; read(2) for \(refused.count) window(s) mmap refused (first: \(refused.first ?? "?"))"

    progress(Progress(phase: .checksum, pagesDone: 0, pagesTotal: 0, bytesWritten: 0))
    // The logs' checksums are those taken when they were written, above.
    if let dump = try? checksum(Self.dumpName, hashing: options.checksumsDump) { report.files.append(dump) }
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
        json.append(contentsOf: DmesgFormatter.json(record).utf8)
        json.append(UInt8(ascii: "\n"))
      }
      let names = ["dmesg.txt", "dmesg.json"]
      let errors = SmallFile.write([(text, path(names[0])), (json, path(names[1]))])
      for (name, error) in zip(names, errors) {
        if let error {
          report.problems.append("\(error)")
        } else {
          logFiles.append(name)
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

  /// What the two bitmaps of the dump hold, as ranges of frames: the machine's RAM, and
  /// the pages the dump holds before filtering (`PageCycles` makes the bitmaps, one
  /// cycle at a time, from them). Whole pages only, as makedumpfile counts them: /proc/vmcore's first segment ends
  /// inside a page (0x9fc00), and that page is left out of both.
  ///
  /// Pages the headers promise but a truncated source lost are kept, to be written as
  /// missing, up to as many as empty descriptors the size of the source would take
  /// (`sourceBytes / 24`): a cut copy of a real dump has all of its lost pages named,
  /// while a small file whose headers promise terabytes cannot make the capture write
  /// gigabytes of descriptors. The pages beyond are counted in `unaccounted`.
  func pageRanges(
    _ physical: any PhysicalMemory, sourceBytes: UInt64
  ) -> (
    pageCount: UInt64, memory: [Range<UInt64>], dumpable: [Range<UInt64>], unaccounted: UInt64
  ) {
    let pageSize = UInt64(physical.pageSize)
    let maxMapNr = (physical.physicalEnd + pageSize - 1) / pageSize
    var dumpable: [Range<UInt64>] = []
    func whole(_ range: Range<UInt64>) -> Range<UInt64> {
      let low = (range.lowerBound + pageSize - 1) / pageSize
      return low..<max(low, range.upperBound / pageSize)
    }
    let memory = physical.memoryRanges.map(whole).filter { !$0.isEmpty }
    let present = physical.presentRanges.map(whole).filter { !$0.isEmpty }.sorted {
      $0.lowerBound < $1.lowerBound
    }
    dumpable += present
    var budget = sourceBytes / UInt64(KdumpPageDescriptor.size)
    var unaccounted: UInt64 = 0
    func lose(_ part: Range<UInt64>) {
      guard !part.isEmpty else { return }
      let take = min(UInt64(part.count), budget)
      if take > 0 { dumpable.append(part.lowerBound..<part.lowerBound + take) }
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
    return (maxMapNr, memory, dumpable, unaccounted)
  }

  /// What takes out of the pages kept those the dump level excludes; a dump whose page
  /// descriptors cannot be read keeps them all (only zero pages can still go).
  func pageFilter(_ vmcore: Vmcore, _ report: inout Report) -> PageFilter? {
    report.level = options.level
    guard !options.level.subtracting(.zero).isEmpty else { return nil }
    do {
      guard let info = vmcore.vmcoreInfo else { throw DumpError.noVmcoreInfo }
      return try PageFilter(level: options.level, vmcoreInfo: info, memory: try vmcore.kernelMemory())
    } catch {
      report.level = options.level.intersection(.zero)
      report.problems.append(
        "pages cannot be filtered (\(error)): dump level \(report.level.rawValue) used instead of \(options.level.rawValue)"
      )
      return nil
    }
  }

  /// The kdump-compressed dump, resumed where an interrupted run stopped when asked;
  /// the frames in `first` are written before all others. The cycles run first to count
  /// the pages kept (the descriptors' room), writing each cycle's parts of the bitmaps
  /// as they go (the filter phase), then again for the pages.
  func saveDump(
    _ vmcore: Vmcore, utsname: [String], cycles: PageCycles, first: [UInt64], _ report: inout Report,
    clock: inout PhaseClock, progress: (Progress) -> Void
  ) throws {
    let (notes, vmcoreInfoRange) = KdumpHeaderFields.notesBlob(vmcore.notes)
    let fields = KdumpHeaderFields(
      utsname: utsname, timestamp: Int64(time(nil)), codec: report.codec, dumpLevel: report.level.rawValue,
      physBase: vmcore.vmcoreInfo?.number("phys_base").map { UInt64(bitPattern: $0) } ?? 0,
      cpuCount: Int32(vmcore.notes.filter { $0.name == "CORE" && $0.type == ElfNote.prstatus }.count),
      notes: notes, vmcoreInfoRange: vmcoreInfoRange)
    // The header and bitmaps do not depend on the count of pages kept.
    let head = KdumpCompressedLayout(
      blockSize: vmcore.physical.pageSize, maxMapNr: cycles.pageCount, notesSize: notes.count, dumpedPages: 0)
    let dumpPath = path(Self.dumpName)
    var output: (any DumpOutput)?
    var bitmapError: CaptureError?
    if !options.resume {
      let opened = try options.output ?? FileDumpOutput(path: dumpPath, truncate: true)
      output = opened
      do {
        try opened.write(fields.image(layout: head, incomplete: true), at: 0)
      } catch let error as CaptureError where error.isOutputFailure {
        bitmapError = error
      }
    }
    var survey = PageCycles.Survey()
    if bitmapError == nil {
      do {
        survey = try cycles.survey(first: first) { cycle in
          guard let output else { return }
          try head.writeBitmaps(cycle, last: cycle.index == cycles.count - 1, to: output)
        }
      } catch let error as CaptureError where error.isOutputFailure {
        bitmapError = error
      }
    }
    if let bitmapError {
      // Nothing can follow: no page is found without its bitmaps. Stopping here also
      // bounds the work a header promising absurd RAM asks for to what the target holds.
      report.complete = false
      report.error = bitmapError
      report.problems.append(
        "the dump's header or bitmaps could not be written (\(bitmapError)): no page saved; "
          + "run again with another target")
      clock.lap("filter", &report)
      return
    }
    report.pagesTotal = survey.pagesTotal
    report.pagesDumpable = survey.pagesDumpable
    report.excluded = survey.filtered.excluded
    report.problems += survey.filtered.problems
    clock.lap("filter", &report)

    let layout = KdumpCompressedLayout(
      blockSize: vmcore.physical.pageSize, maxMapNr: cycles.pageCount, notesSize: notes.count,
      dumpedPages: report.pagesDumpable)
    let writer = KdumpCompressedWriter(layout: layout, fields: fields, threads: options.threads)
    var resume: KdumpCompressedWriter.ResumePoint?
    if options.resume {
      resume = try KdumpCompressedWriter.resumePoint(path: dumpPath, layout: layout, fields: fields)
      report.resumedAt = resume?.rank
    }
    let target: any DumpOutput =
      try output ?? options.output ?? FileDumpOutput(path: dumpPath, truncate: false)
    let result = try writer.write(
      cycles: cycles, firstRanks: survey.firstRanks, bitmaps: resume != nil, source: vmcore.physical,
      to: target, resume: resume
    ) { step in
      progress(
        Progress(
          phase: .dump, pagesDone: step.pagesDone, pagesTotal: step.pagesTotal,
          bytesWritten: step.bytesWritten))
    }
    report.pagesWritten = result.pagesWritten
    report.pagesDuplicate = result.duplicatePages
    report.dumpBytes = result.fileSize
    report.complete = result.complete
    report.error = result.error
    if options.level.contains(.zero) { report.excluded[.zero] = result.zeroPages }
    if report.codec == .zlib, let fallback = PageEncoder.zlibFallback(pageSize: report.pageSize) {
      report.problems.append(fallback)
    }
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

  /// The file's size, and its SHA-256 when `hashing`.
  func checksum(_ name: String, hashing: Bool = true) throws -> SavedFile {
    guard hashing else { return SavedFile(name: name, bytes: try SmallFile.size(path(name)), sha256: nil) }
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
