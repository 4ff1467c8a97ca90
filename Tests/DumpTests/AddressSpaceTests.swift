import XCTest

@testable import Dump

final class AddressSpaceTests: XCTestCase {
  func kernel() throws -> (KernelMemory, SyntheticKernel) {
    var kernel = SyntheticKernel(countBits: 8, sizeBits: 10)
    kernel.writeRing([SyntheticKernel.Message("hello", at: 1)])
    let dump = try Vmcore(source: MemoryByteSource(name: "synthetic.elf", bytes: kernel.elf))
    return (try dump.kernelMemory(), kernel)
  }

  func testTranslatesImageDirectMapLargeAndSmallPages() throws {
    let (memory, _) = try kernel()
    XCTAssertEqual(try memory.translate(0xFFFF_FFFF_8100_0010), 0x120_0010)
    XCTAssertEqual(try memory.translate(0xFFFF_8880_0050_0123), 0x50_0123)
    XCTAssertEqual(try memory.translate(0xFFFF_C900_0020_0456), 0x40_0456)
    XCTAssertEqual(try memory.translate(0xFFFF_C900_0000_0789), 0x30_0789)
    XCTAssertEqual(try memory.translate(0xFFFF_C900_0000_1789), 0x30_2789)
    XCTAssertEqual(memory.addressSpace.directMapBase(in: memory.physical), 0xFFFF_8880_0000_0000)
  }

  func testReadsAcrossScatteredPages() throws {
    let (memory, _) = try kernel()
    // descs span two 4 KiB pages that are not physically adjacent.
    let bytes = try memory.read(0xFFFF_C900_0000_0FF8, count: 16)
    let first = try memory.physical.readPhysical(0x30_0FF8, count: 8)
    let second = try memory.physical.readPhysical(0x30_2000, count: 8)
    XCTAssertEqual(bytes, first + second)
  }

  func testUnmappedAndNonCanonicalAddressesAreNamed() throws {
    let (memory, _) = try kernel()
    XCTAssertThrowsError(try memory.read(0xFFFF_C900_0000_5000, count: 8)) { error in
      XCTAssertEqual(error as? DumpError, .unmapped(virtual: 0xFFFF_C900_0000_5000, level: "PTE"))
    }
    XCTAssertThrowsError(try memory.read(0xFFFF_D000_0000_0000, count: 8)) { error in
      XCTAssertEqual(error as? DumpError, .unmapped(virtual: 0xFFFF_D000_0000_0000, level: "PGD"))
    }
    XCTAssertThrowsError(try memory.read(0x0000_9000_0000_0000, count: 8)) { error in
      XCTAssertEqual(error as? DumpError, .nonCanonical(virtual: 0x0000_9000_0000_0000))
    }
    // Mapped, but the physical page is not in the dump: the error names both addresses.
    XCTAssertThrowsError(try memory.read(0xFFFF_8880_0F00_0000, count: 8)) { error in
      let failure = error as? KernelMemoryError
      XCTAssertEqual(failure?.virtual, 0xFFFF_8880_0F00_0000)
      XCTAssertEqual(failure?.physical, 0x0F00_0000)
    }
  }

  func testSmeMaskIsClearedFromEntries() throws {
    var memory = SparseMemory()
    let sme: UInt64 = 1 << 47
    // root at 0x1000 → PUD at 0x2000 (C-bit set in the entry) → 1 GiB page at 0.
    memory.write(0x2000 | sme | 1, at: 0x1000 + 8 * 273)
    memory.write(UInt64(0x81) | sme, at: 0x2000)
    memory.write(Array("payload".utf8), at: 0x3000)
    let elf = ElfWriter.write(memory: memory, notes: [])
    let physical = try ElfVmcore(source: MemoryByteSource(name: "sme.elf", bytes: elf))
    let space = X86_64AddressSpace(
      physBase: 0, rootTable: 0x1000, fiveLevel: false, smeMask: sme, kernelImageSize: 1 << 30)
    let memoryReader = KernelMemory(physical: physical, addressSpace: space)
    XCTAssertEqual(try memoryReader.cString(0xFFFF_8880_0000_3000, maxLength: 7), "payload")
  }

  func testFiveLevelWalkUsesBits48To56() throws {
    var memory = SparseMemory()
    let va: UInt64 = 0xFF11_0000_0000_0000
    memory.write(UInt64(0x2000 | 1), at: 0x1000 + 8 * ((va >> 48) & 511))
    memory.write(UInt64(0x3000 | 1), at: 0x2000 + 8 * ((va >> 39) & 511))
    memory.write(UInt64(0x81), at: 0x3000)
    memory.write(UInt64(0xABCD), at: 0x4008)
    let physical = try ElfVmcore(
      source: MemoryByteSource(name: "la57.elf", bytes: ElfWriter.write(memory: memory, notes: [])))
    let space = X86_64AddressSpace(
      physBase: 0, rootTable: 0x1000, fiveLevel: true, smeMask: 0, kernelImageSize: 1 << 30)
    XCTAssertEqual(try KernelMemory(physical: physical, addressSpace: space).u64(va + 0x4008), 0xABCD)
    XCTAssertEqual(space.directMapBase(in: physical), va)
  }
}

final class KernelStructTests: XCTestCase {
  func testFieldsByVmcoreInfoNames() throws {
    var kernel = SyntheticKernel()
    kernel.writeRing([SyntheticKernel.Message("x", at: 7)])
    let dump = try Vmcore(source: MemoryByteSource(name: "k", bytes: kernel.elf))
    let memory = try dump.kernelMemory()
    let info = try XCTUnwrap(dump.vmcoreInfo)
    let prb = try memory.u64(try XCTUnwrap(info.symbol("prb")))
    let ring = try KernelStruct("printk_ringbuffer", at: prb, in: memory, vmcoreInfo: info)
    XCTAssertEqual(ring.bytes.count, 88)
    let descRing = try ring.offset(of: "desc_ring")
    XCTAssertEqual(descRing, 0)
    let descs = try KernelStruct("prb_desc_ring", at: prb + UInt64(descRing), in: memory, vmcoreInfo: info)
    XCTAssertEqual(try descs.u32("count_bits"), 4)
    XCTAssertEqual(try descs.u64("descs"), 0xFFFF_C900_0000_0000)
    XCTAssertThrowsError(try descs.u64("no_such_field")) { error in
      XCTAssertEqual(error as? DumpError, .missingVmcoreInfo(key: "OFFSET(prb_desc_ring.no_such_field)"))
    }
    let odd = VmcoreInfo(text: info.raw + "OFFSET(prb_desc_ring.far)=400\n")
    let far = try KernelStruct("prb_desc_ring", at: prb, in: memory, vmcoreInfo: odd)
    XCTAssertThrowsError(try far.u64("far")) { error in
      guard case DumpError.corruptKernelData(let structure, let address, _) = error else { return XCTFail() }
      XCTAssertEqual(structure, "prb_desc_ring")
      XCTAssertEqual(address, prb)
    }
  }
}
