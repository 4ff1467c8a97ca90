import XCTest

@testable import Dump

final class PrintkLogBufferTests: XCTestCase {
  func entries(_ count: Int) -> [LegacyLogWriter.Entry] {
    (0..<count).map { index in
      var entry = LegacyLogWriter.Entry(
        text: "legacy \(index) " + String(repeating: "=", count: index % 11),
        timestamp: UInt64(index) * 1_000_001)
      if index % 3 == 0 { entry.dictionary = "SUBSYSTEM=pci\0DEVICE=+pci:0000:00:0\(index % 10).0" }
      entry.level = UInt8(index % 8)
      entry.callerID = UInt32(index)
      return entry
    }
  }

  func read(_ writer: LegacyLogWriter) throws -> PrintkLog {
    let info = VmcoreInfo(text: writer.vmcoreInfoLayout)
    let buffer = PrintkLogBuffer(
      layout: try PrintkLogBuffer.Layout(info), buffer: 0, bufferLength: UInt32(writer.bufferLength),
      firstIndex: UInt32(writer.firstIndex), nextIndex: UInt32(writer.nextIndex),
      firstSequence: writer.firstSequence)
    return buffer.records(from: writer.buffer)
  }

  func testRecordsBeforeAndAfterTheWrap() throws {
    for withCaller in [false, true] {
      var writer = LegacyLogWriter(bufferLength: 1024, withCaller: withCaller)
      let all = entries(80)
      for entry in all { writer.store(entry) }
      let log = try read(writer)
      XCTAssertEqual(log.format, .structured)
      XCTAssertTrue(log.problems.isEmpty, "\(log.problems)")
      XCTAssertEqual(log.records.last?.sequence, 79)
      XCTAssertGreaterThan(log.records.count, 10)
      for record in log.records {
        let entry = all[Int(record.sequence)]
        XCTAssertEqual(String(decoding: record.text, as: UTF8.self), entry.text)
        XCTAssertEqual(record.timestampNanoseconds, entry.timestamp)
        XCTAssertEqual(record.level, entry.level)
        XCTAssertEqual(record.callerID, withCaller ? entry.callerID : nil)
        if entry.dictionary.isEmpty {
          XCTAssertTrue(record.dictionary.isEmpty)
        } else {
          XCTAssertEqual(record.dictionary.first?.key, "SUBSYSTEM")
          XCTAssertEqual(record.dictionary.last?.key, "DEVICE")
        }
      }
    }
  }

  func testThroughKernelMemoryWithVmcoreInfoSymbols() throws {
    var writer = LegacyLogWriter(bufferLength: 2048, withCaller: true)
    for entry in entries(30) { writer.store(entry) }
    var kernel = SyntheticKernel()
    kernel.mapPages(vmallocPages: [], largePagePhysical: 0x40_0000)
    let variables = SyntheticKernel.imageVA + 0x6000
    let variablesPA = SyntheticKernel.imagePA + 0x6000
    kernel.memory.write(writer.buffer, at: 0x50_0000)
    kernel.memory.write(SyntheticKernel.directMap + 0x50_0000, at: variablesPA)
    kernel.memory.write(UInt32(writer.bufferLength), at: variablesPA + 8)
    kernel.memory.write(UInt32(writer.firstIndex), at: variablesPA + 12)
    kernel.memory.write(UInt32(writer.nextIndex), at: variablesPA + 16)
    kernel.memory.write(writer.firstSequence, at: variablesPA + 24)
    let info = """
      OSRELEASE=4.18.0-synthetic
      SYMBOL(init_top_pgt)=\(String(SyntheticKernel.rootVA, radix: 16))
      NUMBER(phys_base)=\(SyntheticKernel.physBase)
      SYMBOL(log_buf)=\(String(variables, radix: 16))
      SYMBOL(log_buf_len)=\(String(variables + 8, radix: 16))
      SYMBOL(log_first_idx)=\(String(variables + 12, radix: 16))
      SYMBOL(log_next_idx)=\(String(variables + 16, radix: 16))
      SYMBOL(log_first_seq)=\(String(variables + 24, radix: 16))

      """ + writer.vmcoreInfoLayout
    let elf = ElfWriter.write(
      memory: kernel.memory, notes: elfNote(name: "VMCOREINFO", type: 0, descriptor: Array(info.utf8)))
    let log = try Vmcore(source: MemoryByteSource(name: "legacy.elf", bytes: elf)).kernelLog()
    XCTAssertEqual(log.format, .structured)
    XCTAssertEqual(log.records.map(\.sequence), Array(writer.firstSequence..<writer.nextSequence))
    XCTAssertEqual(String(decoding: log.records.last!.text, as: UTF8.self), entries(30)[29].text)
  }

  func testHostileIndexesStopWithAProblem() throws {
    var writer = LegacyLogWriter(bufferLength: 512, withCaller: false)
    for entry in entries(5) { writer.store(entry) }
    // A record length that points outside, a zero length twice (a loop), an index past the end.
    var broken = writer
    broken.buffer.put(UInt16(0xFFF0), at: 8)
    XCTAssertFalse(try read(broken).problems.isEmpty)
    var looping = writer
    looping.buffer.put(UInt16(0), at: 8)
    looping.nextIndex = 4
    XCTAssertFalse(try read(looping).problems.isEmpty)
    var past = writer
    past.firstIndex = 510
    XCTAssertFalse(try read(past).problems.isEmpty)
  }
}
