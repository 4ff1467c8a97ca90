import Dump

/// A tiny x86_64 kernel memory image, laid out as Linux 6.1 lays it out: page tables
/// rooted at `init_top_pgt` (a 1 GiB direct-map page, a 2 MiB page and 4 KiB pages in
/// the vmalloc area), a lockless printk ring buffer written the way
/// kernel/printk/printk_ringbuffer.c writes it (ids and logical positions starting
/// just below a wrap, blocks wrapped to the ring start), and the VMCOREINFO text.
struct SyntheticKernel {
  struct Message {
    var text: [UInt8]
    var timestamp: UInt64
    var facility: UInt8 = 0
    var level: UInt8 = 6
    var flags: UInt8 = 2  // LOG_NEWLINE
    var callerID: UInt32 = 1
    var subsystem: String = ""
    var device: String = ""
    /// Data-less records: FAILED_LPOS (lost) or EMPTY_LINE_LPOS.
    var dataless: UInt64? = nil

    init(_ text: String, at timestamp: UInt64) {
      self.text = Array(text.utf8)
      self.timestamp = timestamp
    }
  }

  static let kernelMap: UInt64 = 0xFFFF_FFFF_8000_0000
  static let physBase: UInt64 = 0x20_0000
  static let directMap: UInt64 = 0xFFFF_8880_0000_0000
  static let vmalloc: UInt64 = 0xFFFF_C900_0000_0000
  // Kernel image: VA 0xffffffff81000000 → PA 0x1200000.
  static let imageVA: UInt64 = 0xFFFF_FFFF_8100_0000
  static var imagePA: UInt64 { imageVA - kernelMap + physBase }
  static let rootVA: UInt64 = imageVA
  static let prbVA: UInt64 = imageVA + 0x5000

  var memory = SparseMemory()
  var countBits: Int
  var sizeBits: Int
  var fiveLevel = false

  init(countBits: Int = 4, sizeBits: Int = 10) {
    self.countBits = countBits
    self.sizeBits = sizeBits
  }

  // Page-table pages in the kernel image.
  var root: UInt64 { Self.imagePA }
  var directPUD: UInt64 { Self.imagePA + 0x1000 }
  var vmallocPUD: UInt64 { Self.imagePA + 0x2000 }
  var vmallocPMD: UInt64 { Self.imagePA + 0x3000 }
  var vmallocPTE: UInt64 { Self.imagePA + 0x4000 }

  /// Maps the direct map (1 GiB page at physical 0) and the vmalloc area: 4 KiB
  /// pages from `pte` (virtual page i → physical `pte[i]`) and a 2 MiB page.
  mutating func mapPages(vmallocPages: [UInt64], largePagePhysical: UInt64) {
    let present: UInt64 = 0x63  // present, rw, accessed, dirty
    memory.write(directPUD | present, at: root + 8 * ((Self.directMap >> 39) & 511))
    memory.write(UInt64(0) | present | 0x80, at: directPUD)
    memory.write(vmallocPUD | present, at: root + 8 * ((Self.vmalloc >> 39) & 511))
    memory.write(vmallocPMD | present, at: vmallocPUD)
    memory.write(vmallocPTE | present, at: vmallocPMD)
    memory.write(largePagePhysical | present | 0x80, at: vmallocPMD + 8)
    for (index, physical) in vmallocPages.enumerated() {
      memory.write(physical | present | (1 << 63), at: vmallocPTE + 8 * UInt64(index))
    }
  }

  /// Writes the ring buffer holding `messages` (older ones overwritten as the
  /// kernel would when the rings are too small) and returns the ids of the records
  /// still readable.
  @discardableResult
  mutating func writeRing(_ messages: [Message], tornHead: Bool = false) -> ClosedRange<UInt64> {
    let count = 1 << countBits
    let dataSize = UInt64(1) << UInt64(sizeBits)
    let idMask: UInt64 = ~(3 << 62)
    // descs: in 4 KiB vmalloc pages, physically scattered (PA 0x300000 + 2 pages apart).
    let descsBytes = count * 24
    let descPages = (descsBytes + 4095) / 4096
    let descPhysical = (0..<descPages).map { UInt64(0x30_0000 + $0 * 0x2000) }
    mapPages(vmallocPages: descPhysical, largePagePhysical: 0x40_0000)
    let descsVA = Self.vmalloc
    let dataVA = Self.vmalloc + 0x20_0000  // the 2 MiB page
    let infosPA: UInt64 = 0x50_0000
    let infosVA = Self.directMap + infosPA
    var descs = [UInt8](repeating: 0, count: descsBytes)
    var infos = [UInt8](repeating: 0, count: count * 88)
    var data = [UInt8](repeating: 0, count: Int(dataSize))

    // DESC0_ID and BLK0_LPOS: both start just below a wrap of their counters.
    let firstID = (0 &- UInt64(count + 1)) & idMask
    var lpos = 0 &- dataSize
    var begins: [UInt64] = []
    var nexts: [UInt64] = []
    for (number, message) in messages.enumerated() {
      let id = (firstID &+ UInt64(number)) & idMask
      let slot = Int(id & UInt64(count - 1))
      var begin = lpos
      var next = lpos
      if let dataless = message.dataless {
        begin = dataless
        next = dataless
      } else {
        let size = (8 + UInt64(message.text.count) + 7) & ~7
        let bits = UInt64(sizeBits)
        let wraps = { (value: UInt64) in value >> bits }
        var offset = Int(lpos & (dataSize - 1))
        if wraps(lpos) != wraps(lpos &+ size &- 1) {
          // The block does not fit before the end: its id goes at the old position
          // too, its data at the start of the next wrap.
          data.put(id, at: offset)
          next = ((lpos >> UInt64(sizeBits)) &+ 1) << UInt64(sizeBits) &+ size
          offset = 0
        } else {
          next = lpos &+ size
        }
        data.put(id, at: offset)
        data.put(bytes: message.text, at: offset + 8)
        lpos = next
      }
      begins.append(begin)
      nexts.append(next)
      let state: UInt64 = (tornHead && number == messages.count - 1) ? 0 : 2
      descs.put((state << 62) | id, at: slot * 24)
      descs.put(begin, at: slot * 24 + 8)
      descs.put(next, at: slot * 24 + 16)
      let info = slot * 88
      infos.put(UInt64(number), at: info)
      infos.put(message.timestamp, at: info + 8)
      infos.put(UInt16(message.text.count), at: info + 16)
      infos.put(message.facility, at: info + 18)
      infos.put(message.level << 5 | message.flags, at: info + 19)
      infos.put(message.callerID, at: info + 20)
      infos.put(bytes: Array(message.subsystem.utf8), at: info + 24)
      infos.put(bytes: Array(message.device.utf8), at: info + 40)
      infos.put(UInt8(0), at: info + 87)
    }
    // The oldest readable record: within the last `count` ids and with its data
    // block not yet overwritten.
    let headNumber = messages.count - 1
    var tailNumber = max(0, messages.count - count)
    while tailNumber < headNumber {
      let begin = begins[tailNumber]
      if begin & 1 == 1 || lpos &- begin <= dataSize { break }
      tailNumber += 1
    }
    let tailID = (firstID &+ UInt64(tailNumber)) & idMask
    let headID = (firstID &+ UInt64(headNumber)) & idMask

    for (index, physical) in descPhysical.enumerated() {
      let start = index * 4096
      memory.write(Array(descs[start..<min(descs.count, start + 4096)]), at: physical)
    }
    memory.write(infos, at: infosPA)
    memory.write(data, at: 0x40_0000)
    // struct printk_ringbuffer in the direct map, `prb` pointing at it.
    let ringPA: UInt64 = 0x60_0000
    var ring = [UInt8](repeating: 0, count: 88)
    ring.put(UInt32(countBits), at: 0)
    ring.put(descsVA, at: 8)
    ring.put(infosVA, at: 16)
    ring.put(headID, at: 24)
    ring.put(tailID, at: 32)
    ring.put(UInt32(sizeBits), at: 48)
    ring.put(dataVA, at: 56)
    ring.put(lpos, at: 64)
    ring.put(lpos &- dataSize, at: 72)
    memory.write(ring, at: ringPA)
    memory.write(Self.directMap + ringPA, at: Self.prbVA - Self.kernelMap + Self.physBase)
    return UInt64(tailNumber)...UInt64(headNumber)
  }

  /// VMCOREINFO with the keys of Linux 6.1 (offsets as that kernel exports them).
  var vmcoreInfo: String {
    func symbol(_ value: UInt64) -> String { String(value, radix: 16) }
    return """
      OSRELEASE=6.1.0-synthetic
      PAGESIZE=4096
      SYMBOL(prb)=\(symbol(Self.prbVA))
      SYMBOL(init_top_pgt)=\(symbol(Self.rootVA))
      NUMBER(phys_base)=\(Self.physBase)
      NUMBER(pgtable_l5_enabled)=\(fiveLevel ? 1 : 0)
      NUMBER(KERNEL_IMAGE_SIZE)=1073741824
      NUMBER(sme_mask)=0
      KERNELOFFSET=0
      SIZE(printk_ringbuffer)=88
      OFFSET(printk_ringbuffer.desc_ring)=0
      OFFSET(printk_ringbuffer.text_data_ring)=48
      OFFSET(printk_ringbuffer.fail)=80
      SIZE(prb_desc_ring)=48
      OFFSET(prb_desc_ring.count_bits)=0
      OFFSET(prb_desc_ring.descs)=8
      OFFSET(prb_desc_ring.infos)=16
      OFFSET(prb_desc_ring.head_id)=24
      OFFSET(prb_desc_ring.tail_id)=32
      SIZE(prb_desc)=24
      OFFSET(prb_desc.state_var)=0
      OFFSET(prb_desc.text_blk_lpos)=8
      SIZE(prb_data_blk_lpos)=16
      OFFSET(prb_data_blk_lpos.begin)=0
      OFFSET(prb_data_blk_lpos.next)=8
      SIZE(printk_info)=88
      OFFSET(printk_info.seq)=0
      OFFSET(printk_info.ts_nsec)=8
      OFFSET(printk_info.text_len)=16
      OFFSET(printk_info.caller_id)=20
      OFFSET(printk_info.dev_info)=24
      SIZE(dev_printk_info)=64
      OFFSET(dev_printk_info.subsystem)=0
      LENGTH(printk_info_subsystem)=16
      OFFSET(dev_printk_info.device)=16
      LENGTH(printk_info_device)=48
      SIZE(prb_data_ring)=32
      OFFSET(prb_data_ring.size_bits)=0
      OFFSET(prb_data_ring.data)=8
      OFFSET(prb_data_ring.head_lpos)=16
      OFFSET(prb_data_ring.tail_lpos)=24
      SIZE(atomic_long_t)=8
      OFFSET(atomic_long_t.counter)=0

      """
  }

  /// The notes of a QEMU-style dump: one NT_PRSTATUS and the VMCOREINFO note.
  var notes: [UInt8] {
    elfNote(
      name: "CORE", type: 1,
      descriptor: prstatus(pid: 1, rip: 0xFFFF_FFFF_8100_1234, rsp: 0xFFFF_C900_0000_0F00))
      + elfNote(name: "VMCOREINFO", type: 0, descriptor: Array(vmcoreInfo.utf8))
  }

  var elf: [UInt8] { ElfWriter.write(memory: memory, notes: notes) }
}
