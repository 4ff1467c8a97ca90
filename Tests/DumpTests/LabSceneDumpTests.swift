import Foundation
import Lab
import TestSupport
import XCTest

@testable import Dump

/// The lab's real dumps, from the shared scene cache (Lab's `LabSceneCache`: one boot
/// per kernel, scenario and capture, reused by later tests and runs): the `panic`
/// scenario on 5.10, 6.1, 6.12 and sid's 7.x, captured by in-guest kdump (whole, as /proc/vmcore
/// was), QEMU's ELF dump and QEMU's -z flattened kdump, each compared with the
/// reference tools where they work and the serial console where they do not; and on
/// 6.1 the captures that change how memory is found: a 5-level-paging guest, a QEMU
/// dump without the vmcoreinfo device, and QEMU's paging dump.
final class LabSceneDumpTests: XCTestCase {
  static let panicLine = "Kernel panic - not syncing: sysrq triggered crash"

  func scene(_ kernel: DebianKernel, _ capture: CaptureMethod) throws -> CachedScene {
    try LabGate.scene("panic", on: kernel, capture: capture, dump: .whole)
  }

  func test510Kdump() throws { try checkKdump(.v5_10) }
  func test61Kdump() throws { try checkKdump(.v6_1) }
  func test612Kdump() throws { try checkKdump(.v6_12) }
  func test510QemuElf() throws { try checkQemuElf(.v5_10) }
  func test61QemuElf() throws { try checkQemuElf(.v6_1) }
  func test612QemuElf() throws { try checkQemuElf(.v6_12) }
  func test510QemuKdump() throws { try checkQemuKdump(.v5_10) }
  func test61QemuKdump() throws { try checkQemuKdump(.v6_1) }
  func test612QemuKdump() throws { try checkQemuKdump(.v6_12) }
  func testSidKdump() throws { try checkKdump(.sid) }
  func testSidQemuElf() throws { try checkQemuElf(.sid) }
  func testSidQemuKdump() throws { try checkQemuKdump(.sid) }

  /// vmcore-dmesg byte for byte, and makedumpfile's conversions of the dump.
  func checkKdump(_ kernel: DebianKernel) throws {
    let scene = try scene(kernel, .kdump)
    XCTAssertNil(scene.scene.vmcoreFilter)
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-scene-\(getpid())-\(kernel.rawValue)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    try checkInGuestVmcore(scene.vmcore.path, scratch: scratch)
    try checkCrashScene(scene)
  }

  /// The serial console line for line, and vmcore-dmesg on a copy laid out as
  /// /proc/vmcore (it cannot read QEMU's layout).
  func checkQemuElf(_ kernel: DebianKernel, capture: CaptureMethod = .qemuELF) throws {
    let scene = try scene(kernel, capture)
    let name = "\(kernel.rawValue) \(capture.rawValue)"
    try checkAgainstConsole(
      dump: scene.vmcore.path, serial: scene.console.path, panic: Self.panicLine, name: name)
    try checkQemuElfAgainstVmcoreDmesg(scene.vmcore.path, name: name)
    try checkCrashScene(scene)
  }

  /// QEMU -z (makedumpfile's flattened stream): the serial console line for line.
  func checkQemuKdump(_ kernel: DebianKernel) throws {
    let scene = try scene(kernel, .qemuKdump)
    let dump = try Vmcore.open(path: scene.vmcore.path)
    XCTAssertEqual(dump.format, .kdumpCompressed(flattened: true))
    try checkAgainstConsole(
      dump: scene.vmcore.path, serial: scene.console.path, panic: Self.panicLine,
      name: "\(kernel.rawValue) qemu-kdump")
    try checkCrashScene(scene)
  }

  /// A guest with 5-level paging (Debian's 6.1 is built with CONFIG_X86_5LEVEL; 5.10 is
  /// not): VMCOREINFO says so, the address space walks five levels, the direct map sits
  /// where mm.rst puts it for 5-level paging, and the log equals the console and
  /// vmcore-dmesg's.
  func test61FiveLevelPaging() throws {
    let scene = try scene(.v6_1, .qemuELFLa57)
    let dump = try Vmcore.open(path: scene.vmcore.path)
    XCTAssertEqual(dump.vmcoreInfo?.number("pgtable_l5_enabled"), 1)
    let memory = try dump.kernelMemory()
    XCTAssertTrue(memory.addressSpace.fiveLevel)
    // Documentation/arch/x86/x86_64/mm.rst: the 5-level direct map starts at
    // ff11000000000000 (higher when KASLR slides it).
    let base = try XCTUnwrap(memory.addressSpace.directMapBase(in: dump.physical))
    XCTAssertGreaterThanOrEqual(base, 0xFF11_0000_0000_0000)
    try checkQemuElf(.v6_1, capture: .qemuELFLa57)
  }

  /// QEMU without `-device vmcoreinfo` writes no VMCOREINFO note: the reader finds the
  /// text in memory, and the log is still the console's.
  func test61QemuElfWithoutVmcoreinfoDevice() throws {
    let scene = try scene(.v6_1, .qemuELFNoVmcoreinfo)
    let dump = try Vmcore.open(path: scene.vmcore.path)
    XCTAssertFalse(dump.notes.contains { $0.name == "VMCOREINFO" })
    XCTAssertEqual(dump.vmcoreInfoSource, .memoryScan)
    try checkAgainstConsole(
      dump: scene.vmcore.path, serial: scene.console.path, panic: Self.panicLine,
      name: "6.1 qemu-elf-no-vmcoreinfo")
  }

  /// QEMU's paging dump (`-p`: a segment per mapped virtual range, physical pages
  /// repeated) gives the same log as the physical dump of the same stopped guest.
  func test61QemuPagingDumpEqualsThePhysicalOne() throws {
    let scene = try scene(.v6_1, .qemuPaging)
    let physical = scene.folder.appendingPathComponent(CaptureMethod.physicalCompanion).path
    let paging = try dmesg(scene.vmcore.path)
    XCTAssertGreaterThan(paging.count, 10_000)
    XCTAssertEqual(paging, try dmesg(physical))
    try checkAgainstConsole(
      dump: scene.vmcore.path, serial: scene.console.path, panic: Self.panicLine, name: "6.1 qemu-paging")
  }

  /// The panic CPU and task the dump names are those of the `sysrq` crash: the
  /// shell that wrote `c` to /proc/sysrq-trigger, and the registers saved for it.
  func checkCrashScene(_ scene: CachedScene) throws {
    let dump = try Vmcore.open(path: scene.vmcore.path)
    let log = try dump.kernelLog()
    let crash = CrashScene(records: log.records, cpus: dump.cpus)
    XCTAssertEqual(crash.panicMessage, "sysrq triggered crash", scene.folder.lastPathComponent)
    XCTAssertNotNil(crash.cpu, scene.folder.lastPathComponent)
    XCTAssertNotNil(crash.registers?["rip"], scene.folder.lastPathComponent)
  }
}
