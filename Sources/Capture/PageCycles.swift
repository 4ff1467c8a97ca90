/// The capture's two bitmaps made one cycle of page frames at a time, as makedumpfile's
/// cyclic mode (1.5.0 on) makes them, so that what a capture holds does not grow with
/// the machine's RAM: a cycle's part of the 1st bitmap (RAM) and of the 2nd (pages
/// kept), each at most `bufferBytes`, filtered, written to its place in the file, then
/// dropped. makedumpfile sizes the cycle from `--cyclic-buffer` (KiB per bitmap,
/// makedumpfile(8)): cycles = RAM / (buffer * 8 * page size); so does `capture
/// --cyclic-buffer`.
///
/// The kdump-compressed file wants the descriptor count before any page, so the cycles
/// run twice: `survey` counts (and writes each part of the bitmaps, before any page
/// data, so that a dump cut short keeps the bitmaps that place its log), then the
/// writer runs them again for the pages. One cycle (the buffer covers the RAM, as on
/// machines below 64 GiB by default) is made once.
public final class PageCycles {
  /// One cycle's parts of the bitmaps, and what its filtering left out.
  public struct Cycle {
    public let index: Int
    public var memory: PageBitmap
    public var dumpable: PageBitmap
    public var filtered = PageFilter.Result()
  }

  /// What a run over every cycle counted.
  public struct Survey {
    public var pagesTotal: UInt64 = 0
    public var pagesDumpable: UInt64 = 0
    public var filtered = PageFilter.Result()
    /// The frames asked for in `first` that the dump keeps, ascending, with the index of
    /// their page descriptors.
    public var firstRanks: [(pfn: UInt64, rank: UInt64)] = []
  }

  /// 2 MiB per bitmap, 4 MiB both: one cycle covers 64 GiB of 4 KiB pages.
  public static let defaultBufferBytes = 2 << 20
  /// The smallest buffer `--cyclic-buffer` takes: 1 KiB, 8192 frames a cycle.
  public static let minimumBufferBytes = 1 << 10

  /// Frames in the whole bitmap (`max_mapnr`).
  public let pageCount: UInt64
  /// Frames per cycle: a multiple of 64 (whole words) and, when the buffer holds a
  /// memory section, of the section's frames (`PageFilter` then reads each section's
  /// descriptors in the same batches as in one cycle: the same pages are left out).
  public let cyclePages: UInt64
  let memoryRanges: [Range<UInt64>]
  let dumpableRanges: [Range<UInt64>]
  let filter: PageFilter?
  let whole: (memory: PageBitmap, dumpable: PageBitmap)?
  private var carry = PageFilter.Carry()
  private var next = 0
  private var cached: Cycle?

  /// Cycles over `pageCount` frames: RAM is `memory`, pages kept are `dumpable` less
  /// what `filter` leaves out.
  public init(
    pageCount: UInt64, memory: [Range<UInt64>], dumpable: [Range<UInt64>], filter: PageFilter?,
    bufferBytes: Int = PageCycles.defaultBufferBytes
  ) {
    self.pageCount = pageCount
    memoryRanges = memory.filter { !$0.isEmpty }
    dumpableRanges = dumpable.filter { !$0.isEmpty }
    self.filter = filter
    whole = nil
    let bufferPages = UInt64(max(Self.minimumBufferBytes, bufferBytes)) * 8
    var unit: UInt64 = 64
    if let section = filter?.pagesPerSection, section > unit, section <= bufferPages { unit = section }
    let whole = (pageCount + 63) & ~63
    cyclePages = max(unit, min(bufferPages / unit * unit, max(unit, whole)))
  }

  /// One cycle of bitmaps made already (tests, and callers that hold them whole).
  public init(memory: PageBitmap, dumpable: PageBitmap) {
    pageCount = memory.pageCount
    cyclePages = max(64, (memory.pageCount + 63) & ~63)
    memoryRanges = []
    dumpableRanges = []
    filter = nil
    whole = (memory, dumpable)
  }

  public var count: Int { Int(max(1, (pageCount + cyclePages - 1) / cyclePages)) }

  /// The frames of cycle `index`.
  public func frames(_ index: Int) -> Range<UInt64> {
    let start = min(pageCount, UInt64(index) * cyclePages)
    return start..<min(pageCount, start + cyclePages)
  }

  /// Cycle `index`'s bitmaps. Cycles are made in order: a free block or compound page
  /// that began in one cycle is left out in the next (`PageFilter.Carry`); asked out of
  /// order, the cycles before are made again to learn it.
  public func cycle(_ index: Int) -> Cycle {
    if let cached, cached.index == index { return cached }
    if let whole { return Cycle(index: 0, memory: whole.memory, dumpable: whole.dumpable) }
    // The cycle held is dropped first: at most one cycle's bitmaps are alive.
    cached = nil
    if index != next {
      carry = PageFilter.Carry()
      next = 0
      if filter != nil {
        while next < index { _ = make(next) }
      }
    }
    let made = make(index)
    cached = made
    return made
  }

  private func make(_ index: Int) -> Cycle {
    let range = frames(index)
    var memory = PageBitmap(covering: range)
    var dumpable = PageBitmap(covering: range)
    for part in memoryRanges where part.overlaps(range) { memory.insert(part) }
    for part in dumpableRanges where part.overlaps(range) { dumpable.insert(part) }
    var filtered = PageFilter.Result()
    if let filter { filtered = filter.apply(to: &dumpable, carry: &carry) }
    next = index + 1
    return Cycle(index: index, memory: memory, dumpable: dumpable, filtered: filtered)
  }

  /// Makes every cycle in order, counting its pages and ranking the frames of `first`;
  /// `each` sees every cycle (to write its parts of the bitmaps).
  public func survey(first: [UInt64], each: (Cycle) throws -> Void = { _ in }) rethrows -> Survey {
    var survey = Survey()
    let sorted = Array(Set(first)).sorted()
    var low = 0
    for index in 0..<count {
      let cycle = cycle(index)
      let range = frames(index)
      while low < sorted.count, sorted[low] < range.lowerBound { low += 1 }
      var high = low
      while high < sorted.count, sorted[high] < range.upperBound { high += 1 }
      for (pfn, rank) in cycle.dumpable.ranks(of: Array(sorted[low..<high])) {
        survey.firstRanks.append((pfn, survey.pagesDumpable + rank))
      }
      low = high
      survey.pagesTotal += cycle.memory.count
      survey.pagesDumpable += cycle.dumpable.count
      survey.filtered.add(cycle.filtered)
      try each(cycle)
    }
    return survey
  }
}
