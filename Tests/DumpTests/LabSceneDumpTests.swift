import Foundation
import Lab
import XCTest

@testable import Dump

/// The lab's real dumps, from the shared scene cache (Lab's `LabSceneCache`: one boot
/// per kernel, scenario and capture, reused by later tests and runs): the `panic`
/// scenario on 5.10, 6.1 and 6.12, captured by in-guest kdump (whole, as /proc/vmcore
/// was), QEMU's ELF dump and QEMU's -z flattened kdump, each compared with the
/// reference tools where they work and the serial console where they do not.
/// CORONER_LAB_TESTS=0 skips them.
final class LabSceneDumpTests: XCTestCase {
  func scene(_ kernel: DebianKernel, _ capture: CaptureMethod) throws -> CachedScene {
    if ProcessInfo.processInfo.environment["CORONER_LAB_TESTS"] == "0" {
      throw XCTSkip("CORONER_LAB_TESTS=0")
    }
    return try LabSceneCache().scene(scenario: "panic", kernel: kernel, capture: capture, dump: .whole)
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
  func checkQemuElf(_ kernel: DebianKernel) throws {
    let scene = try scene(kernel, .qemuELF)
    try checkAgainstConsole(
      dump: scene.vmcore.path, serial: scene.console.path,
      panic: "Kernel panic - not syncing: sysrq triggered crash",
      name: "\(kernel.rawValue) qemu-elf")
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-scene-proc-\(getpid()).elf"
    ).path
    defer { try? FileManager.default.removeItem(atPath: copy) }
    try ProcVmcoreLayout.rewrite(scene.vmcore.path, to: copy)
    guard
      RealDumps.run("vmcore-dmesg", ["--help"]) != nil
        || FileManager.default.fileExists(atPath: "/usr/sbin/vmcore-dmesg")
    else { throw XCTSkip("vmcore-dmesg is not installed") }
    let expected = try XCTUnwrap(RealDumps.run("vmcore-dmesg", [copy]), "vmcore-dmesg fails on the copy")
    XCTAssertEqual(try dmesg(scene.vmcore.path), [UInt8](expected), "\(kernel.rawValue) qemu-elf")
    try checkCrashScene(scene)
  }

  /// QEMU -z (makedumpfile's flattened stream): the serial console line for line.
  func checkQemuKdump(_ kernel: DebianKernel) throws {
    let scene = try scene(kernel, .qemuKdump)
    let dump = try Vmcore.open(path: scene.vmcore.path)
    XCTAssertEqual(dump.format, .kdumpCompressed(flattened: true))
    try checkAgainstConsole(
      dump: scene.vmcore.path, serial: scene.console.path,
      panic: "Kernel panic - not syncing: sysrq triggered crash",
      name: "\(kernel.rawValue) qemu-kdump")
    try checkCrashScene(scene)
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
