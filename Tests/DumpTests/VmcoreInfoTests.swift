import XCTest

@testable import Dump

final class VmcoreInfoTests: XCTestCase {
  func testEveryKeyInTheBaseTheKernelWritesIt() {
    let text = """
      OSRELEASE=6.1.0-56-amd64
      PAGESIZE=4096
      SYMBOL(prb)=ffffffff8fa643e0
      SIZE(printk_info)=88
      OFFSET(printk_info.caller_id)=20
      LENGTH(printk_info_device)=48
      NUMBER(phys_base)=-509607936
      NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129
      NUMBER(VMALLOC_START)=0xffffc90000000000
      NUMBER(sme_mask)=140737488355328
      KERNELOFFSET=2b800000
      CRASHTIME=1795732183
      CONFIG_X86_5LEVEL=y
      PAGESIZE=8192
      """ + "\n\0\0\0"
    let info = VmcoreInfo(text: Array(text.utf8))
    XCTAssertEqual(info.osRelease, "6.1.0-56-amd64")
    XCTAssertEqual(info.pageSize, 8192, "later duplicates override")
    XCTAssertEqual(info.symbol("prb"), 0xFFFF_FFFF_8FA6_43E0)
    XCTAssertEqual(info.size("printk_info"), 88)
    XCTAssertEqual(info.offset("printk_info.caller_id"), 20)
    XCTAssertEqual(info.length("printk_info_device"), 48)
    XCTAssertEqual(info.number("phys_base"), -509_607_936)
    XCTAssertEqual(info.number("PAGE_BUDDY_MAPCOUNT_VALUE"), -129)
    XCTAssertEqual(info.number("VMALLOC_START").map { UInt64(bitPattern: $0) }, 0xFFFF_C900_0000_0000)
    XCTAssertEqual(info.number("sme_mask"), 1 << 47)
    XCTAssertEqual(info.kernelOffset, 0x2B80_0000)
    XCTAssertEqual(info.crashTime, 1_795_732_183)
    XCTAssertEqual(info["CONFIG_X86_5LEVEL"], "y")
    XCTAssertEqual(info.entries.count, 13)
    XCTAssertEqual(info.entries.first?.key, "OSRELEASE")
    XCTAssertNil(info.symbol("missing"))
    XCTAssertFalse(info.raw.contains("\0"))
  }

  func testManyKeysAndOddLinesAgreeWithADictionaryReading() {
    // Enough keys to fill many probe chains; lines without `=`, empty values, `=` inside
    // a value, and every key written twice (the second value wins, the first place stays).
    var lines: [String] = ["no equals sign here", ""]
    for index in 0..<700 { lines.append("SYMBOL(s\(index))=\(String(index, radix: 16))") }
    for index in stride(from: 0, to: 700, by: 3) { lines.append("SYMBOL(s\(index))=second\(index)") }
    lines += ["EMPTY=", "EQUALS=a=b"]
    let info = VmcoreInfo(text: lines.joined(separator: "\n"))
    var expected: [String: String] = [:]
    var order: [String] = []
    for line in lines {
      guard let equals = line.firstIndex(of: "=") else { continue }
      let key = String(line[..<equals])
      if expected[key] == nil { order.append(key) }
      expected[key] = String(line[line.index(after: equals)...])
    }
    XCTAssertEqual(info.entries.map(\.key), order)
    XCTAssertEqual(info.entries.map(\.value), order.map { expected[$0]! })
    for (key, value) in expected { XCTAssertEqual(info[key], value, key) }
    XCTAssertEqual(info["EMPTY"], "")
    XCTAssertEqual(info["EQUALS"], "a=b")
    XCTAssertNil(info["no equals sign here"])
    XCTAssertNil(info["SYMBOL(s700)"])
  }

  func testNegativePhysBaseTranslatesByWrapping() throws {
    // phys_base is unsigned in the kernel; a KASLR slide above the physical load
    // address makes it "negative" when printed with %ld.
    let info = VmcoreInfo(
      text:
        "NUMBER(phys_base)=-509607936\nSYMBOL(init_top_pgt)=ffffffffad810000\nNUMBER(pgtable_l5_enabled)=0\n")
    let space = try X86_64AddressSpace(vmcoreInfo: info)
    XCTAssertEqual(space.rootTable, 0xFFFF_FFFF_AD81_0000 &- 0xFFFF_FFFF_8000_0000 &- 509_607_936)
  }

  func testNumbersRejectGarbage() {
    XCTAssertNil(VmcoreInfo.parseNumber("12z"))
    XCTAssertNil(VmcoreInfo.parseNumber("0x"))
    XCTAssertNil(VmcoreInfo.parseNumber(""))
    XCTAssertEqual(VmcoreInfo.parseNumber("-0x10"), -16)
  }
}

final class CrashSceneTests: XCTestCase {
  func record(_ text: String) -> PrintkRecord {
    PrintkRecord(
      sequence: 0, timestampNanoseconds: 0, facility: 0, level: 0, flags: 0, callerID: nil,
      text: Array(text.utf8))
  }

  func testFindsPanicCpuTaskAndRegisters() throws {
    let records = [
      "CPU: 1 PID: 7 Comm: old Not tainted", "Kernel panic - not syncing: Fatal exception",
      "CPU: 0 UID: 0 PID: 93 Comm: det_spin Tainted: G O 6.12.117", "Call Trace:",
      "---[ end Kernel panic - not syncing: Fatal exception ]---",
    ].map(record)
    let cpu0 = try CpuRegisters(
      prstatus: ElfNote(
        name: "CORE", type: 1, descriptor: prstatus(pid: 93, rip: 0xAA, rsp: 0xBB), fileOffset: 0),
      path: "")
    let cpu1 = try CpuRegisters(
      prstatus: ElfNote(
        name: "CORE", type: 1, descriptor: prstatus(pid: 0, rip: 0xCC, rsp: 0xDD), fileOffset: 0),
      path: "")
    let scene = CrashScene(records: records, cpus: [cpu1, cpu0])
    XCTAssertEqual(scene.panicMessage, "Fatal exception")
    XCTAssertEqual(scene.cpu, 0)
    XCTAssertEqual(scene.pid, 93)
    XCTAssertEqual(scene.comm, "det_spin")
    XCTAssertEqual(scene.registers?["rip"], 0xAA)
  }

  func testQemuNotesMergeIntoOneCpuPerVcpu() throws {
    func qemuState(rip: UInt64, cr3: UInt64) -> [UInt8] {
      var bytes = [UInt8](repeating: 0, count: 432)
      bytes.put(UInt32(1), at: 0)
      bytes.put(UInt32(432), at: 4)
      bytes.put(rip, at: 8 + 16 * 8)
      bytes.put(cr3, at: 392 + 3 * 8)
      return bytes
    }
    let notes = [
      elfNote(name: "CORE", type: 1, descriptor: prstatus(pid: 1, rip: 0xA0, rsp: 0)),
      elfNote(name: "CORE", type: 1, descriptor: prstatus(pid: 2, rip: 0xA1, rsp: 0)),
      elfNote(name: "QEMU", type: 0, descriptor: qemuState(rip: 0xA0, cr3: 0x1000)),
      elfNote(name: "QEMU", type: 0, descriptor: qemuState(rip: 0xA1, cr3: 0x2000)),
    ].reduce([], +)
    var memory = SparseMemory()
    memory.write(UInt64(0), at: 0)
    let dump = try Vmcore(
      source: MemoryByteSource(name: "q.elf", bytes: ElfWriter.write(memory: memory, notes: notes)))
    XCTAssertEqual(dump.cpus.map(\.vcpu), [0, 1])
    XCTAssertEqual(dump.cpus.map { $0.controlRegisters[3] }, [0x1000, 0x2000])
    XCTAssertEqual(dump.cpus.map { $0["rip"] }, [0xA0, 0xA1])
    // In a QEMU dump the log's CPU number picks the vCPU, whatever pid ran there.
    let scene = CrashScene(records: [record("CPU: 1 PID: 1 Comm: init Not tainted")], cpus: dump.cpus)
    XCTAssertEqual(scene.registers?["rip"], 0xA1)
  }

  func testShortPrstatusIsATruncationError() {
    let note = ElfNote(name: "CORE", type: 1, descriptor: [UInt8](repeating: 0, count: 200), fileOffset: 4096)
    XCTAssertThrowsError(try CpuRegisters(prstatus: note, path: "core")) { error in
      guard case DumpError.truncated(let path, _, let expected) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(path, "core")
      XCTAssertTrue(expected.contains("pr_reg"))
    }
  }
}
