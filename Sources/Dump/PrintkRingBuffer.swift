import Bytes

/// The lockless printk ring buffer of Linux 5.10 and later
/// (kernel/printk/printk_ringbuffer.h), walked from the tail descriptor to the head
/// as the kernel's own readers do, with every offset and size from VMCOREINFO
/// (vmcore-format.md §3.2–3.3).
public struct PrintkRingBuffer: Sendable {
  /// Offsets and sizes of the ring buffer structures, from VMCOREINFO.
  public struct Layout: Sendable, Equatable {
    var ringbufferSize: Int
    var descRing: Int
    var textDataRing: Int
    var countBits: Int
    var descs: Int
    var infos: Int
    var headID: Int
    var tailID: Int
    var descSize: Int
    var stateVar: Int
    var textBlkLpos: Int
    var lposBegin: Int
    var lposNext: Int
    var infoSize: Int
    var infoSeq: Int
    var infoTsNsec: Int
    var infoTextLen: Int
    var infoCallerID: Int
    var infoDevInfo: Int
    var devSubsystem: Int
    var devSubsystemLength: Int
    var devDevice: Int
    var devDeviceLength: Int
    var sizeBits: Int
    var data: Int
    var counter: Int

    public init(_ info: VmcoreInfo) throws {
      ringbufferSize = try info.requireSize("printk_ringbuffer")
      descRing = try info.requireOffset("printk_ringbuffer.desc_ring")
      textDataRing = try info.requireOffset("printk_ringbuffer.text_data_ring")
      countBits = try info.requireOffset("prb_desc_ring.count_bits")
      descs = try info.requireOffset("prb_desc_ring.descs")
      infos = try info.requireOffset("prb_desc_ring.infos")
      headID = try info.requireOffset("prb_desc_ring.head_id")
      tailID = try info.requireOffset("prb_desc_ring.tail_id")
      descSize = try info.requireSize("prb_desc")
      stateVar = try info.requireOffset("prb_desc.state_var")
      textBlkLpos = try info.requireOffset("prb_desc.text_blk_lpos")
      lposBegin = try info.requireOffset("prb_data_blk_lpos.begin")
      lposNext = try info.requireOffset("prb_data_blk_lpos.next")
      infoSize = try info.requireSize("printk_info")
      infoSeq = try info.requireOffset("printk_info.seq")
      infoTsNsec = try info.requireOffset("printk_info.ts_nsec")
      infoTextLen = try info.requireOffset("printk_info.text_len")
      infoCallerID = try info.requireOffset("printk_info.caller_id")
      infoDevInfo = try info.requireOffset("printk_info.dev_info")
      devSubsystem = try info.requireOffset("dev_printk_info.subsystem")
      devSubsystemLength = Int(min(info.length("printk_info_subsystem") ?? 16, 4096))
      devDevice = try info.requireOffset("dev_printk_info.device")
      devDeviceLength = Int(min(info.length("printk_info_device") ?? 48, 4096))
      sizeBits = try info.requireOffset("prb_data_ring.size_bits")
      data = try info.requireOffset("prb_data_ring.data")
      counter = Int(min(info.offset("atomic_long_t.counter") ?? 0, 64))
      try Self.check(info)
    }
  }

  /// `DESC_SV_BITS` on 64-bit: the state lives in the top two bits of `state_var`.
  static let idMask: UInt64 = ~(3 << 62)
  enum State: UInt64 { case reserved = 0, committed, finalized, reusable }

  public let layout: Layout
  /// Address of the `struct printk_ringbuffer` (the value of the `prb` pointer).
  public let address: UInt64

  public init(layout: Layout, address: UInt64) {
    self.layout = layout
    self.address = address
  }

  /// Reads `prb` (a pointer variable: dereference it) and the layout.
  public init(vmcoreInfo info: VmcoreInfo, memory: any KernelMemoryReader) throws {
    let layout = try Layout(info)
    let pointer = try info.requireSymbol("prb")
    self.init(layout: layout, address: try memory.u64(pointer))
  }

  /// The sequence number `dmesg -C` last cleared to (`clear_seq`, kernel/printk/
  /// printk.c): a `struct latched_seq` since 5.13, whose latch count picks one of
  /// two values, a plain u64 before.
  public static func clearSequence(
    vmcoreInfo info: VmcoreInfo, memory: any KernelMemoryReader
  ) throws -> UInt64 {
    let address = try info.requireSymbol("clear_seq")
    guard info.size("latched_seq") != nil else { return try memory.u64(address) }
    let values = UInt64(try info.requireOffset("latched_seq.val"))
    let latch = UInt64(try memory.u32(address))
    return try memory.u64(address + values + 8 * (latch & 1))
  }

  /// The fields of `struct printk_ringbuffer` the walk needs.
  struct Header {
    var count: Int
    var dataSize: UInt64
    var descs: UInt64
    var infos: UInt64
    var data: UInt64
    var head: UInt64
    var tail: UInt64
  }

  /// Reads and checks the ring buffer struct: sizes that no kernel uses are corrupt
  /// data: count_bits at most 24, a text ring of at most 256 MiB (log_buf_len is 256
  /// KiB to a few MiB in practice), so a hostile dump cannot make the reader allocate
  /// gigabytes.
  func header(in memory: any KernelMemoryReader) throws -> Header {
    let l = layout
    let rb = try memory.read(address, count: l.ringbufferSize)
    func field(_ offset: Int, _ name: String) throws -> UInt64 {
      guard let value = rb.u64(offset) else {
        throw DumpError.corruptKernelData(
          structure: "printk_ringbuffer", address: address, reason: "no \(name)")
      }
      return value
    }
    let countBits = try field(l.descRing + l.countBits, "count_bits") & 0xFFFF_FFFF
    let sizeBits = try field(l.textDataRing + l.sizeBits, "size_bits") & 0xFFFF_FFFF
    guard countBits > 0, countBits <= 24, sizeBits > 0, sizeBits <= 28 else {
      throw DumpError.corruptKernelData(
        structure: "printk_ringbuffer", address: address,
        reason: "count_bits \(countBits) / size_bits \(sizeBits) out of range")
    }
    let count = 1 << Int(countBits)
    guard count * max(l.descSize, l.infoSize) <= 1 << 28 else {
      throw DumpError.corruptKernelData(
        structure: "printk_ringbuffer", address: address,
        reason: "\(count) descriptors of \(l.descSize) and \(l.infoSize) bytes exceed 256 MiB")
    }
    return Header(
      count: count, dataSize: UInt64(1) << sizeBits, descs: try field(l.descRing + l.descs, "descs"),
      infos: try field(l.descRing + l.infos, "infos"), data: try field(l.textDataRing + l.data, "data"),
      head: try field(l.descRing + l.headID + l.counter, "head_id"),
      tail: try field(l.descRing + l.tailID + l.counter, "tail_id"))
  }

  /// The three arrays, read whatever pages are missing: a descriptor on a missing
  /// page reads as zero (never a valid state) and a text block on one is lost.
  func arrays(
    _ header: Header, in memory: any KernelMemoryReader
  ) throws -> (
    descs: [UInt8], infos: [UInt8], ring: DataRing, problems: [String]
  ) {
    let l = layout
    let descs = memory.readAvailable(header.descs, count: header.count * l.descSize)
    let infos = memory.readAvailable(header.infos, count: header.count * l.infoSize)
    let data = memory.readAvailable(header.data, count: Int(header.dataSize))
    if descs.missing.first == 0..<header.count * l.descSize, let error = descs.error {
      // No descriptor is readable: say why rather than return an empty log.
      throw error
    }
    var problems: [String] = []
    // One call per part, not a loop over an array of tuples: that array's generic
    // metadata is made at run time, a cost `coroner dmesg` pays on every dump.
    func note(_ name: String, _ missing: [Range<Int>], _ error: Error?) {
      guard !missing.isEmpty else { return }
      let bytes = missing.reduce(0) { $0 + $1.count }
      problems.append("\(bytes) bytes of the printk \(name) are missing: \(error.map { "\($0)" } ?? "")")
    }
    note("descriptor array", descs.missing, descs.error)
    note("info array", infos.missing, infos.error)
    note("text ring", data.missing, data.error)
    let ring = DataRing(bytes: data.bytes, size: header.dataSize, missing: data.missing)
    return (descs.bytes, infos.bytes, ring, problems)
  }

  /// Every readable record, oldest first: the descriptors from tail to head, as the
  /// kernel's readers walk them (`prb_read_valid`).
  public func records(in memory: any KernelMemoryReader) throws -> PrintkLog {
    let l = layout
    let header = try header(in: memory)
    var (descs, infos, ring, problems) = try arrays(header, in: memory)
    var records: [PrintkRecord] = []
    var skipped: [String] = []
    var lost = 0
    var id = header.tail & Self.idMask
    for _ in 0...header.count {
      let slot = Int(id & UInt64(header.count - 1))
      let desc = slot * l.descSize
      let stateVar = descs.u64(desc + l.stateVar + l.counter) ?? 0
      let state = State(rawValue: stateVar >> 62) ?? .reserved
      if stateVar & Self.idMask == id, state == .committed || state == .finalized {
        let begin = descs.u64(desc + l.textBlkLpos + l.lposBegin) ?? 1
        let next = descs.u64(desc + l.textBlkLpos + l.lposNext) ?? 1
        var record = self.record(infos: infos, at: slot * l.infoSize)
        switch ring.text(begin: begin, next: next, length: Int(record.textLength), id: id) {
        case .text(let bytes): record.record.text = bytes
        case .empty: break
        case .lost:
          record.record.isTextLost = true
          lost += 1
        }
        records.append(record.record)
      } else if !(stateVar & Self.idMask == id && state == .reusable) {
        // A reusable descriptor is normal (the ring's initial descriptor is made
        // reusable at boot); others are torn writes or recycled slots.
        skipped.append("id \(id) (slot holds id \(stateVar & Self.idMask), state \(state))")
      }
      if id == header.head & Self.idMask { break }
      id = (id &+ 1) & Self.idMask
    }
    if !skipped.isEmpty {
      problems.append(
        "\(skipped.count) descriptors between tail and head hold no record: "
          + skipped.prefix(3).joined(separator: ", "))
    }
    if lost > 0 { problems.append("\(lost) records have no text (data lost)") }
    return PrintkLog(format: .lockless, records: records, problems: problems)
  }

  /// One `struct printk_info`. Facility and level are not exported: they follow
  /// `text_len` (u16) as a byte and a `flags:5, level:3` byte (vmcore-format.md §3.2).
  func record(infos: [UInt8], at base: Int) -> (record: PrintkRecord, textLength: UInt16) {
    let l = layout
    let textLength = infos.u16(base + l.infoTextLen) ?? 0
    let bits = infos.u8(base + l.infoTextLen + 3) ?? 0
    let dev = base + l.infoDevInfo
    var dictionary: [(key: String, value: String)] = []
    let subsystem = infos.cString(dev + l.devSubsystem, maxLength: l.devSubsystemLength)
    let device = infos.cString(dev + l.devDevice, maxLength: l.devDeviceLength)
    if !subsystem.isEmpty { dictionary.append(("SUBSYSTEM", String(decoding: subsystem, as: UTF8.self))) }
    if !device.isEmpty { dictionary.append(("DEVICE", String(decoding: device, as: UTF8.self))) }
    let record = PrintkRecord(
      sequence: infos.u64(base + l.infoSeq) ?? 0, timestampNanoseconds: infos.u64(base + l.infoTsNsec) ?? 0,
      facility: infos.u8(base + l.infoTextLen + 2) ?? 0, level: bits >> 5, flags: bits & 0x1F,
      callerID: infos.u32(base + l.infoCallerID), text: [], dictionary: dictionary)
    return (record, textLength)
  }
}

/// The text data ring: blocks of an `unsigned long` id followed by the text, the
/// logical positions free-running and wrapping at 2^64.
struct DataRing {
  let bytes: [UInt8]
  let size: UInt64
  /// Byte ranges of the ring that were not in the dump.
  var missing: [Range<Int>] = []

  enum Text: Equatable {
    case text([UInt8])
    case empty
    case lost
  }

  func wraps(_ lpos: UInt64) -> UInt64 { lpos >> UInt64(size.trailingZeroBitCount) }
  func index(_ lpos: UInt64) -> UInt64 { lpos & (size - 1) }

  /// The kernel's `get_data()`: a regular block, a block wrapped to the ring start,
  /// or a data-less record (`FAILED_LPOS` 0x1 / `EMPTY_LINE_LPOS` 0x3).
  func text(begin: UInt64, next: UInt64, length: Int, id: UInt64) -> Text {
    if begin & 1 == 1 && next & 1 == 1 {
      return begin == 3 && next == 3 ? .empty : .lost
    }
    let offset: UInt64
    let blockSize: UInt64
    // No `begin < next` test: the positions are free-running and the first wrap of
    // the ring is also the wrap of the 64-bit counter (BLK0_LPOS is -size), so a
    // block ending exactly there has next == 0. The size check below catches junk.
    if wraps(begin) == wraps(next &- 1) {
      offset = index(begin)
      blockSize = next &- begin
    } else if wraps(begin &+ size) == wraps(next &- 1) {
      offset = 0
      blockSize = index(next)
    } else {
      return .lost
    }
    guard blockSize >= 8, blockSize <= size, offset <= size - blockSize else { return .lost }
    let available = Int(blockSize) - 8
    let take = min(length, available)
    let start = Int(offset) + 8
    if missing.contains(where: { $0.overlaps(Int(offset)..<start + take) }) { return .lost }
    // The block starts with the id of the descriptor that owns it
    // (`struct prb_data_block`): anything else is a torn or recycled descriptor.
    guard bytes.u64(Int(offset)) == id else { return .lost }
    return .text(Array(bytes[start..<start + take]))
  }
}
