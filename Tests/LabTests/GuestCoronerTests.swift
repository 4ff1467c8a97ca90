import XCTest

@testable import Lab

/// The pieces that put `coroner` into a guest and read its answers back, without QEMU.
final class GuestCoronerTests: XCTestCase {
  /// Console lines as the serial port writes them: a kernel timestamp, `\r\n` endings,
  /// other messages interleaved.
  func testReportIsReadBackFromTheConsole() throws {
    let console = [
      "[    4.11] coroner-lab: doctor-before begin",
      "[    4.12] coroner-lab: doctor-before| {",
      "[    4.12] random: crng init done",
      "[    4.13] coroner-lab: doctor-before|   \"ready\" : false",
      "[    4.13] coroner-lab: doctor-before| ",
      "[    4.14] coroner-lab: doctor-before| }",
      "[    4.15] coroner-lab: doctor-before end exit 1",
      "[    4.16] coroner-lab: doctor-after begin",
    ].joined(separator: "\r\n")
    let before = try XCTUnwrap(GuestReport.find("doctor-before", in: console))
    XCTAssertEqual(before.lines, ["{", "  \"ready\" : false", "", "}"])
    XCTAssertEqual(before.exitStatus, 1)
    let after = try XCTUnwrap(GuestReport.find("doctor-after", in: console))
    XCTAssertEqual(after.lines, [])
    XCTAssertNil(after.exitStatus, "the console ends before the command did")
    XCTAssertNil(GuestReport.find("arm", in: console))
  }

  /// A name that is a prefix of another (`doctor` and `doctor-before`) is not confused.
  func testReportNamesDoNotMatchByPrefix() {
    let console = "coroner-lab: doctor-before begin\ncoroner-lab: doctor-before end exit 0\n"
    XCTAssertNil(GuestReport.find("before", in: console))
  }

  func testArmingWithCoronerRunsDoctorAroundTheLoad() throws {
    let load = GuestImages.coronerArm(append: LabRunRequest.captureKernelParameters)
    XCTAssertTrue(load.hasPrefix("report arm /bin/coroner arm --profile lab --kernel /capture/vmlinuz"))
    XCTAssertTrue(load.contains("--initrd /capture/initramfs.cpio"))
    XCTAssertTrue(load.contains("--append panic=1"))
    XCTAssertFalse(load.contains("console="), "the running command line already names the console")
    let script = GuestInit.crashScript(
      scenario: try ScenarioCatalogue.named("panic"), modules: [], kexecLoad: load,
      setup: GuestImages.coronerSetup, doctor: "/bin/coroner doctor")
    let lines = script.split(separator: "\n").map(String.init)
    func index(_ prefix: String) throws -> Int {
      try XCTUnwrap(lines.firstIndex { $0.hasPrefix(prefix) }, prefix)
    }
    XCTAssertLessThan(
      try index("mount -t tmpfs"), try index("report doctor-before /bin/coroner doctor --json"))
    XCTAssertLessThan(try index("report doctor-before"), try index("report arm "))
    XCTAssertLessThan(try index("report arm "), try index("report doctor-after /bin/coroner doctor"))
    XCTAssertLessThan(try index("report doctor-after"), try index("echo c > /proc/sysrq-trigger"))
    XCTAssertFalse(script.contains("doctor-tree"))
  }

  func testPstoreGuestHarvestsBeforeItWouldDetonate() throws {
    let region = RamoopsRegion()
    XCTAssertEqual(region.kernelParameters, ["memmap=1024K!0x10000000"])
    XCTAssertEqual(
      region.moduleParameters,
      "mem_address=0x10000000 mem_size=0x100000 record_size=0x20000 console_size=0x20000")
    let script = GuestInit.pstoreScript(
      scenario: try ScenarioCatalogue.named("panic"), modules: ["reed_solomon"],
      ramoops: region.moduleParameters, coroner: "/bin/coroner")
    let reed = try XCTUnwrap(script.range(of: "insmod /lib/modules/reed_solomon.ko"))
    let ramoops = try XCTUnwrap(script.range(of: "insmod /lib/modules/ramoops.ko mem_address=0x10000000"))
    let harvest = try XCTUnwrap(script.range(of: "report pstore-harvest /bin/coroner pstore --to /tmp/crash"))
    let detonate = try XCTUnwrap(script.range(of: "echo c > /proc/sysrq-trigger"))
    XCTAssertLessThan(reed.lowerBound, ramoops.lowerBound)
    XCTAssertLessThan(ramoops.lowerBound, harvest.lowerBound)
    XCTAssertLessThan(harvest.lowerBound, detonate.lowerBound)
  }

  func testPstoreRunLetsQemuResetTheGuest() throws {
    let tree = KernelTree(
      release: "6.1.0-0-amd64", label: "6.1", packageVersion: nil, image: "/k/vmlinuz", modulesDir: nil,
      buildDir: nil, compiler: nil, noModulesReason: nil)
    let trip = PstoreRoundTrip(
      scenario: try ScenarioCatalogue.named("panic"), kernel: tree,
      coroner: GuestCoroner(binary: URL(fileURLWithPath: "/bin/true")), out: URL(fileURLWithPath: "/tmp"))
    XCTAssertTrue(trip.kernelParameters.contains("panic=1"))
    XCTAssertTrue(trip.kernelParameters.contains("memmap=1024K!0x10000000"))
    XCTAssertFalse(trip.kernelParameters.contains { $0.hasPrefix("crashkernel=") })
    var command = QemuCommand(kernel: "/k/vmlinuz", serialLog: "/tmp/console.log")
    command.exitOnReboot = false
    XCTAssertFalse(command.arguments.contains("-no-reboot"))
  }

  /// The capture initramfs can carry coroner too, with the libraries `ldd` names.
  func testCaptureInitramfsCanCarryCoroner() throws {
    let tree = KernelTree(
      release: "6.1.0-0-amd64", label: "6.1", packageVersion: nil, image: "/k/vmlinuz", modulesDir: nil,
      buildDir: nil, compiler: nil, noModulesReason: nil)
    let program = URL(fileURLWithPath: "/bin/true")
    let images = GuestImages(kernel: tree)
    let with = try images.captureInitramfs(coroner: GuestCoroner(binary: program))
    let without = try images.captureInitramfs()
    XCTAssertNotNil(with.range(of: Data("bin/coroner\0".utf8)))
    XCTAssertNil(without.range(of: Data("bin/coroner\0".utf8)))
    let loader = try XCTUnwrap(SharedLibraries.of(program).first { $0.contains("ld-linux") })
    XCTAssertNotNil(with.range(of: Data((String(loader.dropFirst()) + "\0").utf8)))
  }

  /// kdump-coroner: the capture kernel runs the small `coroner-capture` into RAM, then
  /// writes the folder as a tar onto the disk, before the sync and power-off.
  func testCaptureKernelRunsCoronerCaptureThenTar() throws {
    let small = GuestCoroner(binary: URL(fileURLWithPath: "/b/coroner-capture-guest"), product: .capture)
    XCTAssertEqual(small.captureCommand, "/bin/coroner-capture")
    XCTAssertEqual(GuestCoroner(binary: URL(fileURLWithPath: "/b/c")).captureCommand, "/bin/coroner capture")
    let save = GuestInit.coronerCapture(command: small.captureCommand)
    let script = GuestInit.captureScript(modules: ["virtio_blk"], save: save)
    let capture = try XCTUnwrap(
      script.range(
        of:
          "measured capture /bin/coroner-capture --from /proc/vmcore --to /tmp/capture --dump-level 31 --compress zlib"
      ))
    let tar = try XCTUnwrap(script.range(of: "tar -C /tmp/capture -cf /dev/vda ."))
    let poweroff = try XCTUnwrap(script.range(of: "poweroff -f"))
    XCTAssertLessThan(capture.lowerBound, tar.lowerBound)
    XCTAssertLessThan(tar.lowerBound, poweroff.lowerBound)
    XCTAssertFalse(script.contains("dd if=/proc/vmcore"))

    let tree = KernelTree(
      release: "6.1.0-0-amd64", label: "6.1", packageVersion: nil, image: "/k/vmlinuz", modulesDir: nil,
      buildDir: nil, compiler: nil, noModulesReason: nil)
    let request = LabRunRequest(
      scenario: try ScenarioCatalogue.named("panic"), kernel: tree, capture: .kdumpCoroner,
      out: URL(fileURLWithPath: "/o"))
    XCTAssertTrue(request.kernelParameters.contains("crashkernel=\(request.crashKernelMiB)M"))
    XCTAssertNil(CaptureMethod.kdumpCoroner.monitorCommand(to: "/x"))
  }

  /// The sizes the capture kernel reports on the console.
  func testVmcoreSizeIsReadFromTheConsole() {
    let console = "[ 1.0] coroner-lab: capture kernel up 6.1\r\n[ 1.2] coroner-lab: vmcore size 564133888\r\n"
    XCTAssertEqual(Stage.vmcoreSize(in: console), 564_133_888)
    XCTAssertNil(Stage.vmcoreSize(in: "coroner-lab: no /proc/vmcore"))
  }

  func testPackageRootIsTheCheckout() throws {
    let root = try XCTUnwrap(GuestCoroner.packageRoot())
    XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("Sources/Lab").path))
  }
}
