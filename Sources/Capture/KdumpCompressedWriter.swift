import Dispatch
import Dump

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a kdump-compressed dump (makedumpfile's format, header version 6) from
/// the two bitmaps and a page source, streaming: pages are read, checked for zeros
/// and compressed in chunks by `threads` workers, then written in frame order, so
/// memory stays a few MiB per thread whatever the dump's size.
///
/// The header says "incomplete" (status 0x08) from the first write until the last
/// page is down; a failed write (ENOSPC, EIO) stops the copy and leaves a valid
/// dump whose unwritten descriptors are zero (vmcore-format.md §7.8).
public struct KdumpCompressedWriter {
  public struct Progress: Sendable {
    public var pagesDone: UInt64
    public var pagesTotal: UInt64
    public var bytesWritten: UInt64
  }

  /// Where a previous, interrupted run stopped: the first descriptor not written and
  /// the end of its page data.
  public struct ResumePoint: Sendable, Equatable {
    public var rank: UInt64
    public var dataEnd: UInt64
  }

  public struct Result: Sendable {
    public var pagesWritten: UInt64 = 0
    public var zeroPages: UInt64 = 0
    public var unreadablePages: UInt64 = 0
    /// Pages whose descriptor points at an earlier, equal page's stream.
    public var duplicatePages: UInt64 = 0
    public var fileSize: UInt64 = 0
    public var complete = false
    /// The write error that cut the dump short.
    public var error: CaptureError?
  }

  public let layout: KdumpCompressedLayout
  public let fields: KdumpHeaderFields
  public let threads: Int
  /// Pages per chunk a worker compresses at a time. Each worker holds two chunk buffers
  /// (the pages read, their streams): 128 pages of 4 KiB make 1 MiB a worker. 512 pages
  /// took 3.0 MiB more peak memory with one thread (13.8 against 10.8 MiB, 5.10 -d 1 zlib)
  /// and 6.1 MiB more with two (sid), for no speed measured (20 paired runs: 5.10 -d 1
  /// zlib 1.006x the time, sid -d 1 zlib with two threads 0.996x); 64 pages cost 2.5%.
  public var chunkPages = 128
  /// Whether a page equal to an earlier one points at its stream (`DuplicatePages`): by
  /// default where the level keeps page cache, user or free pages, among which copies are
  /// common (10-21% of the lab's -d 1 pages, a tenth to a quarter of the dump). Kernel
  /// pages alone are seldom copies of each other: at -d 31 the lab's dumps had 154-601
  /// (0.1-0.2% of the dump), and hashing every page cost 1.5-3% of the capture's time
  /// (11 paired runs on 5.10 and 6.1, zlib and zstd).
  public var storesCopiesOnce: Bool

  public init(layout: KdumpCompressedLayout, fields: KdumpHeaderFields, threads: Int) {
    self.layout = layout
    self.fields = fields
    let kernelPagesOnly: DumpLevel = [.cacheWithoutPrivate, .cacheWithPrivate, .user, .free]
    storesCopiesOnce =
      Self.copiesOnceByDefault && fields.dumpLevel & kernelPagesOnly.rawValue != kernelPagesOnly.rawValue
    // Each worker holds about 4 MiB of buffers: however many are asked for, memory
    // stays what a capture kernel can spare.
    self.threads = min(CaptureTool.maxThreads, max(1, threads))
  }

  /// Writes the dump from whole bitmaps. `memory` is the 1st bitmap (RAM), `dumpable`
  /// the 2nd (pages kept); zero pages point at the shared zero page when the level
  /// excludes them. The pages in `first` (those the kernel log and the crash scene are
  /// read from) are written before all others, so that a dump cut short by a full disk
  /// still holds the log.
  public func write(
    memory: PageBitmap, dumpable: PageBitmap, source: any PhysicalMemory, to output: any DumpOutput,
    first: [UInt64] = [], resume: ResumePoint? = nil, progress: (Progress) -> Void = { _ in }
  ) throws -> Result {
    let cycles = PageCycles(memory: memory, dumpable: dumpable)
    return try write(
      cycles: cycles, firstRanks: cycles.survey(first: first).firstRanks, bitmaps: resume == nil,
      source: source, to: output, resume: resume, progress: progress)
  }

  /// Writes the dump one cycle of frames at a time (`PageCycles`): each cycle's parts of
  /// the bitmaps when `bitmaps` (else `PageCycles.survey` wrote them), then its pages.
  /// `firstRanks` are the log's frames with their descriptors' index, written first.
  public func write(
    cycles: PageCycles, firstRanks: [(pfn: UInt64, rank: UInt64)], bitmaps: Bool, source: any PhysicalMemory,
    to output: any DumpOutput, resume: ResumePoint? = nil, progress: (Progress) -> Void = { _ in }
  ) throws -> Result {
    var result = Result()
    let block = layout.blockSize
    func writeBitmaps(_ cycle: PageCycles.Cycle) throws {
      try layout.writeBitmaps(cycle, last: cycle.index == cycles.count - 1, to: output)
    }
    // One cycle's bitmaps go before any page, as `survey` writes many: the log's pages,
    // written first, are found through them. Many cycles are written here only on
    // --resume, which writes no page ahead of its rank.
    let bitmapsAhead = bitmaps && cycles.count == 1
    if resume == nil {
      output.reserve(layout.dataOffset)
      try output.write(fields.image(layout: layout, incomplete: true), at: 0)
    }
    if bitmapsAhead { try writeBitmaps(cycles.cycle(0)) }
    if resume == nil { try output.write([UInt8](repeating: 0, count: block), at: layout.zeroPageOffset) }
    let workers = try (0..<threads).map { _ in
      try ChunkWorker(codec: fields.codec, pageSize: block, pages: chunkPages)
    }
    defer { workers.forEach { $0.deallocate() } }
    let excludeZero = fields.dumpLevel & DumpLevel.zero.rawValue != 0
    var cursor = resume?.dataEnd ?? layout.dataOffset
    var rank: UInt64 = 0
    let skip = resume?.rank ?? 0
    var pending: [[UInt64]] = []
    var chunk: [UInt64] = []
    chunk.reserveCapacity(chunkPages)
    result.pagesWritten = skip

    var prewritten: [UInt64: ChunkWorker.Entry] = [:]
    /// The lowest and highest frame of `prewritten`: a chunk's other frames are not
    /// looked up in it.
    var prewrittenSpan: ClosedRange<UInt64>?

    /// The log's pages: data at the cursor, each descriptor at its own rank.
    func writeFirst() throws {
      var start = 0
      while start < firstRanks.count {
        let ranked = firstRanks[start..<min(start + chunkPages, firstRanks.count)]
        let pfns = ranked.map(\.pfn)
        start += pfns.count
        let worker = workers[0]
        worker.run(pfns, source: source, excludeZero: excludeZero, done: [:], doneSpan: nil)
        try output.write(UnsafeRawBufferPointer(start: worker.output, count: worker.outputUsed), at: cursor)
        for (index, (pfn, rank)) in ranked.enumerated() {
          var entry = worker.entries[index]
          entry.offset += cursor
          entry.absolute = true
          prewritten[pfn] = entry
          prewrittenSpan =
            prewrittenSpan.map { min($0.lowerBound, pfn)...max($0.upperBound, pfn) } ?? pfn...pfn
          var bytes: [UInt8] = []
          descriptor(entry, offset: entry.offset).encode(into: &bytes)
          try output.write(
            bytes,
            at: layout.descriptorsOffset + rank * KdumpCompressedLayout.descriptorSize)
        }
        cursor += UInt64(worker.outputUsed)
        result.zeroPages += worker.zeroCount
        result.unreadablePages += worker.unreadable
      }
    }

    /// A zero page points at the shared zero page, stored raw.
    func descriptor(_ entry: ChunkWorker.Entry, offset: UInt64) -> KdumpPageDescriptor {
      if entry.missing { return KdumpPageDescriptor(offset: 0, size: 0, flags: 0) }
      return entry.zero
        ? KdumpPageDescriptor(offset: Int64(layout.zeroPageOffset), size: UInt32(block), flags: 0)
        : KdumpPageDescriptor(offset: Int64(offset), size: entry.size, flags: entry.flags)
    }

    var duplicates = DuplicatePages(pageSize: block)
    defer { duplicates.deallocate() }
    var round = 0

    func flush() throws {
      let batches = pending
      pending.removeAll(keepingCapacity: true)
      round += 1
      // Read in frame order, one chunk after another: which pages are copies of earlier
      // ones is decided here, the same whatever the threads.
      withUnsafeMutablePointer(to: &duplicates) { table in
        for (index, pfns) in batches.enumerated() {
          workers[index].read(
            pfns, source: source, excludeZero: excludeZero, done: prewritten, doneSpan: prewrittenSpan,
            duplicates: storesCopiesOnce ? table : nil, round: round, chunk: index)
        }
      }
      if batches.count == 1 || threads == 1 {
        for index in batches.indices { workers[index].compress() }
      } else {
        DispatchQueue.concurrentPerform(iterations: batches.count) { workers[$0].compress() }
      }
      // Where each chunk's streams start, for copies of pages of this round.
      var starts: [UInt64] = []
      for (index, pfns) in batches.enumerated() {
        let worker = workers[index]
        starts.append(cursor)
        var descriptors = [UInt8](repeating: 0, count: pfns.count * KdumpPageDescriptor.size)
        for page in 0..<pfns.count {
          let entry = worker.entries[page]
          if let copy = entry.copy {
            // An earlier page of this round: its chunk comes before, or is this one.
            let chunk = Int(copy.chunk)
            let waiting = workers[chunk].entries[Int(copy.index)]
            let stream =
              copy.stream
              ?? DuplicatePages.Stream(
                offset: starts[chunk] + waiting.offset, size: waiting.size, flags: waiting.flags)
            KdumpPageDescriptor(offset: Int64(stream.offset), size: stream.size, flags: stream.flags)
              .encode(into: &descriptors, index: page)
            continue
          }
          let offset = entry.absolute ? entry.offset : cursor + entry.offset
          descriptor(entry, offset: offset).encode(into: &descriptors, index: page)
          if entry.slot >= 0 {
            duplicates.written(
              slot: entry.slot, pfn: pfns[page],
              stream: DuplicatePages.Stream(offset: offset, size: entry.size, flags: entry.flags))
          }
        }
        let dataBytes = UnsafeRawBufferPointer(start: worker.output, count: worker.outputUsed)
        try output.write(dataBytes, at: cursor)
        try output.write(
          descriptors,
          at: layout.descriptorsOffset + (result.pagesWritten) * KdumpCompressedLayout.descriptorSize)
        cursor += UInt64(worker.outputUsed)
        result.pagesWritten += UInt64(pfns.count)
        result.zeroPages += worker.zeroCount
        result.unreadablePages += worker.unreadable
      }
      progress(Progress(pagesDone: result.pagesWritten, pagesTotal: layout.dumpedPages, bytesWritten: cursor))
    }

    do {
      if resume == nil { try writeFirst() }
      for index in 0..<cycles.count {
        let cycle = cycles.cycle(index)
        if bitmaps && !bitmapsAhead { try writeBitmaps(cycle) }
        try cycle.dumpable.forEach { pfn in
          defer { rank += 1 }
          if rank < skip { return true }
          chunk.append(pfn)
          if chunk.count == chunkPages {
            pending.append(chunk)
            chunk.removeAll(keepingCapacity: true)
            if pending.count == threads { try flush() }
          }
          return true
        }
      }
      if !chunk.isEmpty { pending.append(chunk) }
      if !pending.isEmpty { try flush() }
      // Pages the source could not give keep empty descriptors: the dump stays
      // flagged incomplete, as one cut short by a full disk (readers refuse those
      // pages rather than reading zeros).
      result.complete = result.unreadablePages == 0
      try output.write(fields.image(layout: layout, incomplete: !result.complete), at: 0)
      try output.synchronize()
    } catch let error as CaptureError where error.isOutputFailure {
      result.error = error
      // The header written first already says "incomplete"; make sure of it.
      try? output.write(fields.image(layout: layout, incomplete: true), at: 0)
      try? output.synchronize()
    }
    result.fileSize = cursor
    result.duplicatePages = duplicates.found
    return result
  }

  /// False when CORONER_CAPTURE_KEEP_COPIES is set: every page gets its own stream, to
  /// measure what storing copies once saves (scripts/bench-capture).
  static let copiesOnceByDefault = getenv("CORONER_CAPTURE_KEEP_COPIES") == nil

  /// Reads where an interrupted dump stopped: its header must match this one's
  /// layout, then the first all-zero descriptor is where to go on.
  public static func resumePoint(
    path: String, layout: KdumpCompressedLayout, fields: KdumpHeaderFields
  ) throws -> ResumePoint {
    let file: FileSource
    do { file = try FileSource(path: path) } catch {
      throw CaptureError.cannotResume(path: path, reason: "\(error)")
    }
    let header = try? KdumpHeader(source: file)
    guard let header, header.isIncomplete else {
      throw CaptureError.cannotResume(path: path, reason: "no dump flagged incomplete there")
    }
    let expected = fields.image(layout: layout, incomplete: true)
    guard let existing = try? file.read(at: 0, count: expected.count), existing.count == expected.count,
      Array(existing[424...]) == Array(expected[424...]), header.dumpLevel == fields.dumpLevel
    else {
      throw CaptureError.cannotResume(
        path: path, reason: "it was written from another vmcore, level or codec (headers differ)")
    }
    // The first empty descriptor is where to go on; page data ends after the
    // furthest one written (the log's pages were written ahead of their rank).
    var low: UInt64?
    var dataEnd = layout.dataOffset
    let size = KdumpCompressedLayout.descriptorSize
    let count = Int(min(layout.dumpedPages, (file.size - min(file.size, layout.descriptorsOffset)) / size))
    let table = (try? file.read(at: layout.descriptorsOffset, count: count * Int(size))) ?? []
    for index in 0..<count {
      guard
        let descriptor = try? KdumpPageDescriptor(
          table, index: index, path: path, fileOffset: layout.descriptorsOffset)
      else { break }
      let offset = UInt64(bitPattern: descriptor.offset)
      if offset == 0 {
        if low == nil { low = UInt64(index) }
      } else if offset != layout.zeroPageOffset {
        dataEnd = max(dataEnd, offset &+ UInt64(descriptor.size))
      }
    }
    let resumeRank = low ?? UInt64(count)
    guard dataEnd <= file.size else {
      throw CaptureError.cannotResume(path: path, reason: "page data ends past the end of the file")
    }
    return ResumePoint(rank: resumeRank, dataEnd: dataEnd)
  }
}

/// One worker's buffers: the pages read, what they compress to, and a descriptor
/// draft per page (offset within the chunk's data).
final class ChunkWorker: @unchecked Sendable {
  struct Entry {
    var offset: UInt64 = 0
    var size: UInt32 = 0
    var flags: UInt32 = 0
    var zero = false
    /// Not readable from the source: an empty descriptor, as in an incomplete dump.
    var missing = false
    /// Written already (the log's pages): `offset` is a file offset.
    var absolute = false
    /// A copy of an earlier page (`DuplicatePages`): its descriptor points at that
    /// page's stream, and nothing is written for it.
    var copy: DuplicatePages.Entry?
    /// The duplicate table's slot this page took, or -1.
    var slot = -1
    /// Read, and left for `compress`.
    var toCompress = false
  }

  let encoder: PageEncoder
  let pageSize: Int
  let input: UnsafeMutableRawPointer
  let output: UnsafeMutableRawPointer
  let capacity: Int
  var entries: [Entry]
  var outputUsed = 0
  var zeroCount: UInt64 = 0
  var unreadable: UInt64 = 0
  var missing: [Bool]
  var count = 0

  init(codec: PageCodec, pageSize: Int, pages: Int) throws {
    encoder = try PageEncoder(codec: codec, pageSize: pageSize)
    self.pageSize = pageSize
    capacity = max(pageSize, encoder.outputCapacity)
    input = UnsafeMutableRawPointer.allocate(byteCount: pages * pageSize, alignment: 4096)
    output = UnsafeMutableRawPointer.allocate(byteCount: pages * capacity, alignment: 64)
    entries = [Entry](repeating: Entry(), count: pages)
    missing = [Bool](repeating: false, count: pages)
  }

  func deallocate() {
    input.deallocate()
    output.deallocate()
  }

  /// `read`, then `compress`.
  func run(
    _ pfns: [UInt64], source: any PhysicalMemory, excludeZero: Bool, done: [UInt64: Entry],
    doneSpan: ClosedRange<UInt64>?
  ) {
    read(pfns, source: source, excludeZero: excludeZero, done: done, doneSpan: doneSpan)
    compress()
  }

  /// Reads the pages (runs of consecutive frames in one read) and sorts out those that
  /// need no stream of their own: written already, unreadable, zero, or (with
  /// `duplicates`, this chunk being `chunk` of `round`) a copy of an earlier page.
  /// `done` holds the pages written already (the log's), all within `doneSpan`.
  func read(
    _ pfns: [UInt64], source: any PhysicalMemory, excludeZero: Bool, done: [UInt64: Entry],
    doneSpan: ClosedRange<UInt64>?, duplicates: UnsafeMutablePointer<DuplicatePages>? = nil, round: Int = 0,
    chunk: Int = 0
  ) {
    count = pfns.count
    zeroCount = 0
    unreadable = 0
    for index in 0..<pfns.count { missing[index] = false }
    // Most frames lie outside the few written already: no hashing of every frame.
    func written(_ pfn: UInt64) -> Entry? {
      guard let doneSpan, doneSpan.contains(pfn) else { return nil }
      return done[pfn]
    }
    var start = 0
    while start < pfns.count {
      if written(pfns[start]) != nil {
        start += 1
        continue
      }
      var end = start + 1
      while end < pfns.count && pfns[end] == pfns[end - 1] + 1 && written(pfns[end]) == nil {
        end += 1
      }
      for lost in source.copyPages(pfns[start], count: end - start, into: input + start * pageSize) {
        missing[start + lost] = true
        unreadable += 1
      }
      start = end
    }
    for index in 0..<pfns.count {
      if let entry = written(pfns[index]) {
        entries[index] = entry
        continue
      }
      if missing[index] {
        entries[index] = Entry(missing: true)
        continue
      }
      let page = input + index * pageSize
      if excludeZero && Self.isZero(page, pageSize) {
        entries[index] = Entry(zero: true)
        zeroCount += 1
        continue
      }
      entries[index] = Entry(toCompress: true)
      // Pages of one repeated word take a cached stream (`SameFilledPage`): no table
      // slot is worth their few bytes.
      guard let duplicates, SameFilledPage.word(page, size: pageSize) == nil else { continue }
      switch duplicates.pointee.lookup(
        page, pfn: pfns[index], source: source, round: round, chunk: chunk, index: index)
      {
      case .copy(let earlier): entries[index] = Entry(copy: earlier)
      case .first(let slot): entries[index].slot = slot
      }
    }
  }

  /// Stores each page `read` left as compressed, or raw when it does not shrink.
  func compress() {
    outputUsed = 0
    for index in 0..<count where entries[index].toCompress {
      let page = input + index * pageSize
      let target = output + outputUsed
      let slot = entries[index].slot
      if let size = encoder.encode(page, into: target) {
        entries[index] = Entry(
          offset: UInt64(outputUsed), size: UInt32(size), flags: encoder.flag, slot: slot)
        outputUsed += size
      } else {
        target.copyMemory(from: page, byteCount: pageSize)
        entries[index] = Entry(offset: UInt64(outputUsed), size: UInt32(pageSize), flags: 0, slot: slot)
        outputUsed += pageSize
      }
    }
  }

  /// Whether the page's bytes are all zero: 128 bytes to a test, eight 16-byte loads
  /// or-ed together. At levels that keep free pages most pages read are zero (80% of the
  /// lab's -d 1 pages) and each is read to its end; a page that is not zero differs in
  /// its first bytes, almost always. Page sizes are multiples of 128.
  static func isZero(_ page: UnsafeRawPointer, _ size: Int) -> Bool {
    var offset = 0
    while offset < size {
      var any = page.loadUnaligned(fromByteOffset: offset, as: SIMD2<UInt64>.self)
      for lane in 1..<8 {
        any |= page.loadUnaligned(fromByteOffset: offset &+ lane &* 16, as: SIMD2<UInt64>.self)
      }
      if any[0] | any[1] != 0 { return false }
      offset &+= 128
    }
    return true
  }
}
