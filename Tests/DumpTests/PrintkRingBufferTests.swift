import KernelLog
import XCTest

@testable import Dump

final class PrintkRingBufferTests: XCTestCase {
  func messages(_ count: Int) -> [SyntheticKernel.Message] {
    (0..<count).map { index in
      SyntheticKernel.Message(
        "message number \(index) " + String(repeating: "x", count: index % 13), at: UInt64(index) * 1_000_123)
    }
  }

  func log(of kernel: SyntheticKernel) throws -> PrintkLog {
    let dump = try Vmcore(source: MemoryByteSource(name: "synthetic.elf", bytes: kernel.elf))
    return try dump.kernelLog()
  }

  func testReadsEveryRecordWithItsFields() throws {
    var kernel = SyntheticKernel()
    var first = SyntheticKernel.Message(
      "virtio_blk virtio1: [vda] 2048 512-byte logical blocks", at: 1_234_567_890)
    first.facility = 0
    first.level = 5
    first.callerID = 0x8000_0001
    first.subsystem = "virtio"
    first.device = "+virtio:virtio1"
    var second = SyntheticKernel.Message(" continued", at: 1_300_000_000)
    second.flags = PrintkRecord.logCont
    second.callerID = 93
    second.facility = 1
    second.level = 4
    kernel.writeRing([first, second])
    let log = try log(of: kernel)
    XCTAssertEqual(log.format, .lockless)
    XCTAssertEqual(log.records.count, 2)
    let record = log.records[0]
    XCTAssertEqual(
      String(decoding: record.text, as: UTF8.self), "virtio_blk virtio1: [vda] 2048 512-byte logical blocks")
    XCTAssertEqual(record.timestampNanoseconds, 1_234_567_890)
    XCTAssertEqual(record.level, 5)
    XCTAssertEqual(record.callerID, 0x8000_0001)
    XCTAssertEqual(record.dictionary.map(\.key), ["SUBSYSTEM", "DEVICE"])
    XCTAssertEqual(record.dictionary.map(\.value), ["virtio", "+virtio:virtio1"])
    let logRecord = record.logRecord
    XCTAssertEqual(logRecord.caller, .cpu(1))
    XCTAssertEqual(logRecord.sequence, 0)
    XCTAssertTrue(log.records[1].isContinuation)
    XCTAssertEqual(log.records[1].facility, 1)
    XCTAssertEqual(log.records[1].level, 4)
    XCTAssertEqual(log.records[1].logRecord.caller, .task(pid: 93))
  }

  func testWrappedRingsKeepTheNewestRecordsInOrder() throws {
    // 16 descriptors and a 1 KiB text ring: 60 messages wrap both many times.
    var kernel = SyntheticKernel(countBits: 4, sizeBits: 10)
    let all = messages(60)
    let kept = kernel.writeRing(all)
    let log = try log(of: kernel)
    XCTAssertEqual(log.records.map(\.sequence), Array(kept))
    XCTAssertGreaterThan(kept.lowerBound, 40)
    for record in log.records {
      XCTAssertEqual(record.text, all[Int(record.sequence)].text, "record \(record.sequence)")
      XCTAssertEqual(record.timestampNanoseconds, all[Int(record.sequence)].timestamp)
    }
    XCTAssertTrue(log.problems.isEmpty, "\(log.problems)")
  }

  func testEveryRingSizeAndFillReadsBackExactly() throws {
    // Block boundaries land everywhere, including exactly on the end of the ring.
    for count in [1, 2, 7, 15, 16, 17, 33] {
      var kernel = SyntheticKernel(countBits: 5, sizeBits: 9)
      let all = (0..<count).map {
        SyntheticKernel.Message(String(repeating: "ab", count: 3 + $0 * 5 % 29), at: UInt64($0))
      }
      let kept = kernel.writeRing(all)
      let log = try log(of: kernel)
      XCTAssertEqual(log.records.map(\.sequence), Array(kept), "\(count) messages")
      for record in log.records {
        XCTAssertEqual(
          String(decoding: record.text, as: UTF8.self),
          String(decoding: all[Int(record.sequence)].text, as: UTF8.self),
          "\(count) messages, record \(record.sequence)")
      }
    }
  }

  func testDatalessRecordsAndATornHead() throws {
    var kernel = SyntheticKernel()
    var lost = SyntheticKernel.Message("", at: 5)
    lost.dataless = 1
    var empty = SyntheticKernel.Message("", at: 6)
    empty.dataless = 3
    kernel.writeRing(
      [SyntheticKernel.Message("before", at: 4), lost, empty, SyntheticKernel.Message("torn", at: 7)],
      tornHead: true)
    let log = try log(of: kernel)
    XCTAssertEqual(log.records.count, 3)
    XCTAssertTrue(log.records[1].isTextLost)
    XCTAssertFalse(log.records[2].isTextLost)
    XCTAssertEqual(log.records[2].text, [])
    XCTAssertTrue(log.problems.contains { $0.contains("state reserved") }, "\(log.problems)")
    XCTAssertTrue(log.problems.contains { $0.contains("no text") }, "\(log.problems)")
  }

  func testMissingPagesGiveAPartialLogThatSaysSo() throws {
    // 256 descriptors span two pages; the info array spans six.
    var kernel = SyntheticKernel(countBits: 8, sizeBits: 14)
    kernel.writeRing(messages(200))
    // The first id is DESC0_ID = -(count+1), in the last slot: record n is in slot
    // n-1. The second descriptor page (slots 171...) is gone: records 0 and 172...
    // are unreadable. Record 171's descriptor straddles the pages: its `next`
    // position reads as 0, yet the block it starts still carries its id, so its text
    // is recovered whole.
    kernel.memory.pages[0x302] = nil
    let partial = try log(of: kernel)
    XCTAssertEqual(partial.records.map(\.sequence), Array(1...171))
    XCTAssertEqual(partial.records.last!.text, messages(200)[171].text)
    XCTAssertTrue(
      partial.problems.contains { $0.contains("descriptor array are missing") }, "\(partial.problems)")
    // The text ring is gone: every record keeps its timestamp, its text is lost.
    var textless = SyntheticKernel(countBits: 4, sizeBits: 10)
    textless.writeRing(messages(5))
    textless.memory.pages[0x400] = nil
    let lost = try log(of: textless)
    XCTAssertEqual(lost.records.count, 5)
    XCTAssertTrue(lost.records.allSatisfy { $0.isTextLost })
    XCTAssertTrue(lost.problems.contains { $0.contains("text ring are missing") }, "\(lost.problems)")
    // Nothing of the descriptors: an error naming the address.
    var empty = SyntheticKernel(countBits: 4, sizeBits: 10)
    empty.writeRing(messages(5))
    empty.memory.pages[0x300] = nil
    XCTAssertThrowsError(try log(of: empty)) { error in
      XCTAssertEqual((error as? KernelMemoryError)?.virtual, 0xFFFF_C900_0000_0000)
    }
  }

  func testDataRingRejectsImpossibleBlocks() {
    let ring = DataRing(bytes: [UInt8](repeating: 0, count: 64), size: 64)
    XCTAssertEqual(ring.text(begin: 1, next: 1, length: 4, id: 0), .lost)
    XCTAssertEqual(ring.text(begin: 3, next: 3, length: 0, id: 0), .empty)
    // next before begin in the same wrap, a block longer than the ring, a 4-byte block.
    XCTAssertEqual(ring.text(begin: 40, next: 8, length: 4, id: 0), .lost)
    XCTAssertEqual(ring.text(begin: 0, next: 200, length: 4, id: 0), .lost)
    XCTAssertEqual(ring.text(begin: 8, next: 12, length: 4, id: 0), .lost)
    // A block ending exactly at the ring end is regular, not wrapped.
    XCTAssertEqual(ring.text(begin: 48, next: 64, length: 8, id: 0), .text([UInt8](repeating: 0, count: 8)))
  }

  func testClearSequenceLatchedAndPlain() throws {
    let variable = SyntheticKernel.imageVA + 0x7000
    let physical = SyntheticKernel.imagePA + 0x7000
    var kernel = SyntheticKernel()
    kernel.writeRing(messages(3))
    // struct latched_seq { seqcount_latch_t latch; u64 val[2]; }: latch 5 picks val[1].
    kernel.memory.write(UInt32(5), at: physical)
    kernel.memory.write(UInt64(17), at: physical + 8)
    kernel.memory.write(UInt64(42), at: physical + 16)
    let memory = try Vmcore(source: MemoryByteSource(name: "k", bytes: kernel.elf)).kernelMemory()
    let symbol = "SYMBOL(clear_seq)=\(String(variable, radix: 16))\n"
    let latched = VmcoreInfo(text: symbol + "SIZE(latched_seq)=24\nOFFSET(latched_seq.val)=8\n")
    XCTAssertEqual(try PrintkRingBuffer.clearSequence(vmcoreInfo: latched, memory: memory), 42)
    kernel.memory.write(UInt32(6), at: physical)
    let even = try Vmcore(source: MemoryByteSource(name: "k", bytes: kernel.elf)).kernelMemory()
    XCTAssertEqual(try PrintkRingBuffer.clearSequence(vmcoreInfo: latched, memory: even), 17)
    // Before 5.13 clear_seq is a plain u64 (here the latch word and its padding).
    XCTAssertEqual(try PrintkRingBuffer.clearSequence(vmcoreInfo: VmcoreInfo(text: symbol), memory: even), 6)
  }

  func testMissingLayoutKeysAreNamed() throws {
    let info = VmcoreInfo(text: "SYMBOL(prb)=ffffffff81005000\nSIZE(printk_ringbuffer)=88\n")
    XCTAssertThrowsError(try PrintkRingBuffer.Layout(info)) { error in
      XCTAssertEqual(error as? DumpError, .missingVmcoreInfo(key: "OFFSET(printk_ringbuffer.desc_ring)"))
    }
  }

  func testHostileVmcoreInfoNumbersAreErrorsNotTraps() throws {
    var kernel = SyntheticKernel()
    kernel.writeRing(messages(3))
    for (key, value) in [
      ("SIZE(prb_desc)", "18446744073709551615"), ("SIZE(printk_info)", "1048576"),
      ("OFFSET(printk_info.seq)", "9223372036854775808"),
      ("LENGTH(printk_info_device)", "18446744073709551615"),
      ("OFFSET(atomic_long_t.counter)", "99999999999"), ("SIZE(printk_ringbuffer)", "4294967296"),
    ] {
      let info = kernel.vmcoreInfo + "\(key)=\(value)\n"
      let notes = elfNote(name: "VMCOREINFO", type: 0, descriptor: Array(info.utf8))
      let elf = ElfWriter.write(memory: kernel.memory, notes: notes)
      let dump = try Vmcore(source: MemoryByteSource(name: key, bytes: elf))
      _ = try? dump.kernelLog()
    }
  }

  func testCorruptCountBitsIsAnErrorNotATrap() throws {
    var kernel = SyntheticKernel()
    kernel.writeRing(messages(3))
    kernel.memory.write(UInt32(63), at: 0x60_0000)  // count_bits
    XCTAssertThrowsError(try log(of: kernel)) { error in
      guard case DumpError.corruptKernelData(let structure, _, _) = error else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(structure, "printk_ringbuffer")
    }
  }
}
