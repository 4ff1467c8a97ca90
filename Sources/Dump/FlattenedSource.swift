/// makedumpfile's flattened stream (`makedumpfile -F`, QEMU 7.2 `dump-guest-memory
/// -z/-l/-s`) read in place: one pass over the 16-byte record headers builds an index
/// from logical offsets of the reassembled file to offsets in the stream, so the
/// stream is never rewritten (vmcore-format.md §2.8).
public struct FlattenedSource: ByteSource {
  /// A run of the logical file that lives at `streamOffset` in the stream.
  struct Extent: Sendable {
    var logical: UInt64
    var length: UInt64
    var streamOffset: UInt64
    var end: UInt64 { logical + length }
  }

  public let stream: any ByteSource
  let extents: [Extent]
  public let size: UInt64
  /// False when the stream ends without its terminator (a truncated capture).
  public let isComplete: Bool
  /// Number of write records in the stream.
  public let recordCount: Int
  /// Bytes the records hold: the logical size less its unwritten gaps.
  public let heldBytes: UInt64

  public var name: String { stream.name }

  static let signature: [UInt8] = Array("makedumpfile".utf8) + [0, 0, 0, 0]
  static let headerSize: UInt64 = 4096

  /// True when `source` starts with the flattened-format header.
  public static func matches(_ source: any ByteSource) -> Bool {
    guard let head = try? source.read(at: 0, count: 24) else { return false }
    return Array(head[0..<16]) == signature && head.suffix(8) == [0, 0, 0, 0, 0, 0, 0, 1]
  }

  public init(stream: any ByteSource) throws {
    self.stream = stream
    guard Self.matches(stream) else { throw DumpError.unknownFormat(path: stream.name) }
    var written: [Extent] = []
    var complete = false
    var records = 0
    var window = HeaderWindow(stream: stream)
    var offset = Self.headerSize
    while let head = try window.header(at: offset) {
      // The record header is big endian whatever the dumped machine (makedumpfile.h).
      let logical = head.logical
      let length = head.length
      if logical == UInt64.max && length == UInt64.max {
        complete = true
        break
      }
      guard logical < 1 << 62, length < 1 << 40 else {
        throw DumpError.badField(
          path: stream.name, offset: offset, field: "flattened record",
          expected: "a non-negative offset and size, found offset \(logical) size \(length)")
      }
      let payload = offset + 16
      // A payload cut by the end of the file keeps the part that is there.
      let available = min(length, stream.size - payload)
      if available > 0 {
        written.append(Extent(logical: logical, length: available, streamOffset: payload))
      }
      records += 1
      if available < length { break }
      offset = payload + length
    }
    window.finish()
    let extents = Self.resolve(written)
    self.extents = extents
    isComplete = complete
    recordCount = records
    size = extents.last?.end ?? 0
    heldBytes = extents.reduce(0) { $0 + $1.length }
  }

  /// Reads record headers through a 1 MiB buffer that slides forward with them, so
  /// indexing a stream of page-sized records reads the file once, sequentially, and
  /// gives the pages back as it goes: memory stays flat on a multi-GB stream.
  struct HeaderWindow {
    let stream: any ByteSource
    var buffer: [UInt8] = []
    var start: UInt64 = 0
    var released: UInt64 = 0
    static let size = 1 << 20

    init(stream: any ByteSource) { self.stream = stream }

    /// The (offset, size) header at `offset`, or nil at the end of the stream.
    mutating func header(at offset: UInt64) throws -> (logical: UInt64, length: UInt64)? {
      guard stream.contains(offset: offset, count: 16) else { return nil }
      if offset < start || offset + 16 > start + UInt64(buffer.count) {
        let count = Int(min(UInt64(Self.size), stream.size - offset))
        buffer = try stream.read(at: offset, count: count, expected: "flattened record header")
        start = offset
        if offset - released >= 64 << 20 {
          stream.release(offset: released, count: offset - released)
          released = offset
        }
      }
      let at = Int(offset - start)
      let logical = buffer[at..<at + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      let length = buffer[at + 8..<at + 16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      return (logical, length)
    }

    func finish() {
      if stream.size > released { stream.release(offset: released, count: stream.size - released) }
    }
  }

  /// Sorts the records by logical offset. Where records overlap (headers and
  /// bitmaps written again later), the later write wins; such clusters are small, so
  /// only they are resolved record by record.
  static func resolve(_ written: [Extent]) -> [Extent] {
    let order = written.indices.sorted {
      (written[$0].logical, $0) < (written[$1].logical, $1)
    }
    var result: [Extent] = []
    result.reserveCapacity(written.count)
    var index = 0
    while index < order.count {
      var next = index + 1
      var clusterEnd = written[order[index]].end
      while next < order.count, written[order[next]].logical < clusterEnd {
        clusterEnd = max(clusterEnd, written[order[next]].end)
        next += 1
      }
      if next == index + 1 {
        result.append(written[order[index]])
      } else {
        var local: [Extent] = []
        for record in order[index..<next].sorted() { insert(written[record], into: &local) }
        result += local
      }
      index = next
    }
    return result
  }

  /// Adds a record so that later writes win where they overlap earlier ones.
  static func insert(_ extent: Extent, into extents: inout [Extent]) {
    if let last = extents.last, extent.logical >= last.end {
      extents.append(extent)
      return
    }
    var result: [Extent] = []
    result.reserveCapacity(extents.count + 2)
    for old in extents {
      if old.end <= extent.logical || old.logical >= extent.end {
        result.append(old)
        continue
      }
      if old.logical < extent.logical {
        result.append(
          Extent(logical: old.logical, length: extent.logical - old.logical, streamOffset: old.streamOffset))
      }
      if old.end > extent.end {
        let cut = extent.end - old.logical
        result.append(
          Extent(logical: extent.end, length: old.end - extent.end, streamOffset: old.streamOffset + cut))
      }
    }
    let position = result.firstIndex { $0.logical >= extent.end } ?? result.count
    result.insert(extent, at: position)
    extents = result
  }

  /// Index of the last extent starting at or before `offset`.
  func extentIndex(atOrBefore offset: UInt64) -> Int? {
    var low = 0
    var high = extents.count
    while low < high {
      let mid = (low + high) / 2
      if extents[mid].logical <= offset { low = mid + 1 } else { high = mid }
    }
    return low > 0 ? low - 1 : nil
  }

  /// Unwritten gaps read as zeros, as in the sparse file makedumpfile -R would write.
  public func copyBytes(
    at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer
  )
    throws
  {
    guard count >= 0, contains(offset: offset, count: UInt64(count)), destination.count >= count else {
      throw DumpError.truncated(path: name, offset: offset, expected: "\(count) bytes (flattened)")
    }
    var done = 0
    var index = extentIndex(atOrBefore: offset) ?? 0
    while done < count {
      let current = offset + UInt64(done)
      while index < extents.count, extents[index].end <= current { index += 1 }
      let remaining = count - done
      guard index < extents.count else {
        if let base = destination.baseAddress {
          (base + done).initializeMemory(as: UInt8.self, repeating: 0, count: remaining)
        }
        return
      }
      let extent = extents[index]
      if current < extent.logical {
        let gap = Int(min(UInt64(remaining), extent.logical - current))
        if let base = destination.baseAddress {
          (base + done).initializeMemory(as: UInt8.self, repeating: 0, count: gap)
        }
        done += gap
        continue
      }
      let take = Int(min(UInt64(remaining), extent.end - current))
      try stream.copyBytes(
        at: extent.streamOffset + (current - extent.logical), count: take,
        into: UnsafeMutableRawBufferPointer(rebasing: destination[done..<done + take]))
      done += take
    }
  }
}
