import Dump

/// Applies a dump level to the bitmap of dumpable pages by reading the kernel's
/// own page descriptors: `struct page` array found through SPARSEMEM's
/// `mem_section` (vmcore-format.md §7.4), classified by `PageClassifier`.
public struct PageFilter {
  /// Pages left out, by class; pages that could not be classified (their
  /// descriptors unreadable) are kept and counted here.
  public struct Result: Sendable, Equatable {
    public var excluded: [ExcludedClass: UInt64] = [:]
    public var unclassified: UInt64 = 0
    /// Memory sections whose page descriptors are not in the dump.
    public var unreadableSections = 0

    public var problems: [String] {
      unreadableSections == 0
        ? []
        : [
          "the page descriptors of \(unreadableSections) memory sections are not in the dump: their pages are kept"
        ]
    }

    /// Adds the counts of a later cycle.
    public mutating func add(_ other: Result) {
      excluded.merge(other.excluded, uniquingKeysWith: +)
      unclassified += other.unclassified
      unreadableSections += other.unreadableSections
    }
  }

  /// A compound or buddy block that began before the frames filtered so far ended: a
  /// cycle carries it into the next (`PageCycles`).
  public struct Carry: Sendable, Equatable {
    public var excludeUntil: UInt64 = 0
    public var excludeClass = ExcludedClass.free
    public init(excludeUntil: UInt64 = 0, excludeClass: ExcludedClass = .free) {
      self.excludeUntil = excludeUntil
      self.excludeClass = excludeClass
    }
  }

  let classifier: PageClassifier
  let memMap: MemorySections
  let memory: any KernelMemoryReader
  /// Page descriptors read at a time (with one more, for a compound page's order).
  static let batch: UInt64 = 4096

  public init(level: DumpLevel, vmcoreInfo: VmcoreInfo, memory: any KernelMemoryReader) throws {
    classifier = PageClassifier(layout: try StructPageLayout(vmcoreInfo: vmcoreInfo), level: level)
    memMap = try MemorySections(vmcoreInfo: vmcoreInfo, memory: memory)
    self.memory = memory
  }

  /// Frames per memory section: cycles of a capture start on a section's first frame
  /// where they can, so that each section is read in the same batches whatever the cycle.
  public var pagesPerSection: UInt64 { memMap.pagesPerSection }

  /// Clears from `dumpable` every page the level excludes; zero pages are found
  /// later, when the pages are read.
  public func apply(to dumpable: inout PageBitmap) -> Result {
    var carry = Carry()
    return apply(to: &dumpable, carry: &carry)
  }

  /// The same for one cycle's part of the bitmap: `carry` is what the cycle before
  /// (the frames below `dumpable.start`) left, and what this one leaves to the next.
  public func apply(to dumpable: inout PageBitmap, carry: inout Carry) -> Result {
    var result = Result()
    // Counted by class in an array, not the result's dictionary: a level leaves out most
    // of memory, page by page.
    var excluded = [UInt64](repeating: 0, count: ExcludedClass.allCases.count)
    let perSection = memMap.pagesPerSection
    var excludeUntil = carry.excludeUntil
    var excludeClass = carry.excludeClass
    defer { carry = Carry(excludeUntil: excludeUntil, excludeClass: excludeClass) }
    var section = dumpable.start / perSection
    while section * perSection < dumpable.pageCount {
      let start = max(section * perSection, dumpable.start)
      let end = min(section * perSection + perSection, dumpable.pageCount)
      section += 1
      // A compound or buddy block that began in an earlier section.
      var pfn = start
      while pfn < min(excludeUntil, end) {
        if dumpable.remove(pfn) { excluded[excludeClass.rawValue] += 1 }
        pfn += 1
      }
      guard dumpable.intersects(pfn..<end) else { continue }
      guard let base = memMap.memMap(section: section - 1) else {
        result.unreadableSections += 1
        result.unclassified += countSet(dumpable, pfn..<end)
        continue
      }
      var chunk = pfn
      while chunk < end {
        let chunkEnd = min(chunk + Self.batch, end)
        let size = UInt64(classifier.layout.size)
        let address = base &+ chunk &* size
        let count = Int(chunkEnd - chunk)
        guard
          let bytes = (try? memory.read(address, count: (count + 1) * Int(size)))
            ?? (try? memory.read(address, count: count * Int(size)))
        else {
          // The rest of a block that began in the chunk before is left out all the same.
          var carried = chunk
          while carried < min(excludeUntil, chunkEnd) {
            if dumpable.remove(carried) { excluded[excludeClass.rawValue] += 1 }
            carried += 1
          }
          result.unclassified += countSet(dumpable, carried..<chunkEnd)
          chunk = chunkEnd
          continue
        }
        bytes.withUnsafeBytes { raw in
          // From the chunk's first frame: a free block or compound page that began in the
          // chunk before goes on into this one, and its frames are left out below (a start
          // past them kept them: makedumpfile's __exclude_unnecessary_pages leaves out
          // every frame of the block).
          var current = chunk
          while current < chunkEnd {
            if current < excludeUntil {
              if dumpable.remove(current) { excluded[excludeClass.rawValue] += 1 }
              current += 1
              continue
            }
            guard dumpable.contains(current) else {
              current += 1
              continue
            }
            let index = Int(current - chunk)
            let page = raw.baseAddress! + index * Int(size)
            let next = (index + 2) * Int(size) <= raw.count ? page + Int(size) : nil
            if let (kind, pages) = classifier.decide(page: page, next: next, pfn: current) {
              excludeUntil = current + pages
              excludeClass = kind
            } else {
              current += 1
            }
          }
        }
        chunk = chunkEnd
      }
    }
    for kind in ExcludedClass.allCases where excluded[kind.rawValue] > 0 {
      result.excluded[kind] = excluded[kind.rawValue]
    }
    return result
  }

  func countSet(_ bitmap: PageBitmap, _ range: Range<UInt64>) -> UInt64 {
    guard !range.isEmpty else { return 0 }
    var total: UInt64 = 0
    bitmap.forEach(from: range.lowerBound) { pfn in
      guard pfn < range.upperBound else { return false }
      total += 1
      return true
    }
    return total
  }
}
