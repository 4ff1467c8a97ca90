import XCTest

@testable import Lab

final class QemuCommandTests: XCTestCase {
  private func value(after flag: String, in args: [String]) -> String? {
    guard let index = args.firstIndex(of: flag), index + 1 < args.count else { return nil }
    return args[index + 1]
  }

  func testDefaultsAreTCGWithSerialFileAndVmcoreinfo() {
    let command = QemuCommand(kernel: "/k/vmlinuz", serialLog: "/out/console.log")
    let args = command.arguments
    XCTAssertEqual(args.first, "qemu-system-x86_64")
    XCTAssertEqual(value(after: "-accel", in: args), "tcg")
    XCTAssertFalse(args.contains("-cpu"))
    XCTAssertEqual(value(after: "-kernel", in: args), "/k/vmlinuz")
    XCTAssertEqual(value(after: "-serial", in: args), "file:/out/console.log")
    XCTAssertEqual(value(after: "-device", in: args), "vmcoreinfo")
    XCTAssertEqual(value(after: "-m", in: args), "768")
    XCTAssertTrue(args.contains("-no-reboot"))
    XCTAssertTrue(args.contains("-nodefaults"))
    XCTAssertNil(value(after: "-monitor", in: args))
    XCTAssertNil(value(after: "-initrd", in: args))
  }

  func testFullCommand() {
    var command = QemuCommand(kernel: "/k", serialLog: "/c")
    command.accelerator = .kvm
    command.memoryMiB = 1024
    command.cpus = 4
    command.initrd = "/i.cpio"
    command.kernelParameters = ["console=ttyS0", "crashkernel=256M"]
    command.monitorSocket = "/tmp/run/monitor.sock"
    command.disks = ["/tmp/run/a.img", "/tmp/run/b.img"]
    command.vmcoreinfoDevice = false
    let args = command.arguments
    XCTAssertEqual(value(after: "-accel", in: args), "kvm")
    XCTAssertEqual(value(after: "-cpu", in: args), "host")
    XCTAssertEqual(value(after: "-m", in: args), "1024")
    XCTAssertEqual(value(after: "-smp", in: args), "4")
    XCTAssertEqual(value(after: "-initrd", in: args), "/i.cpio")
    XCTAssertEqual(value(after: "-append", in: args), "console=ttyS0 crashkernel=256M")
    XCTAssertEqual(value(after: "-monitor", in: args), "unix:/tmp/run/monitor.sock,server=on,wait=off")
    XCTAssertFalse(args.contains("vmcoreinfo"))
    let drives = args.indices.filter { args[$0] == "-drive" }.map { args[$0 + 1] }
    XCTAssertEqual(
      drives, ["file=/tmp/run/a.img,format=raw,if=virtio", "file=/tmp/run/b.img,format=raw,if=virtio"])
  }

  func testShellLineQuotesSpaces() {
    var command = QemuCommand(kernel: "/k", serialLog: "/c")
    command.kernelParameters = ["console=ttyS0", "panic=1"]
    XCTAssertTrue(command.shellLine.contains("-append 'console=ttyS0 panic=1'"))
    XCTAssertTrue(command.shellLine.hasPrefix("qemu-system-x86_64 -accel tcg"))
  }

  /// The guest command line follows the capture method and the scenario.
  func testRunRequestKernelParameters() throws {
    let tree = KernelTree(
      release: "r", label: "6.1", packageVersion: nil, image: "/k", modulesDir: nil, buildDir: "/b",
      compiler: "gcc-12", noModulesReason: nil)
    let notifier = try ScenarioCatalogue.named("panic-notifier")
    let kdump = LabRunRequest(
      scenario: notifier, kernel: tree, capture: .kdump, out: URL(fileURLWithPath: "/o"))
    XCTAssertEqual(
      kdump.kernelParameters, ["console=ttyS0", "crashkernel=256M", "crash_kexec_post_notifiers"])
    let elf = LabRunRequest(
      scenario: notifier, kernel: tree, capture: .qemuELF, out: URL(fileURLWithPath: "/o"))
    XCTAssertEqual(elf.kernelParameters, ["console=ttyS0"])
    let rcu = LabRunRequest(
      scenario: try ScenarioCatalogue.named("rcu-stall"), kernel: tree, capture: .qemuKdump,
      out: URL(fileURLWithPath: "/o"))
    XCTAssertTrue(rcu.kernelParameters.contains("sysctl.kernel.panic_on_rcu_stall=1"))
  }

  func testMonitorCommands() {
    XCTAssertNil(CaptureMethod.kdump.monitorCommand(to: "/x"))
    XCTAssertEqual(CaptureMethod.qemuELF.monitorCommand(to: "/x"), "dump-guest-memory /x")
    XCTAssertEqual(CaptureMethod.qemuKdump.monitorCommand(to: "/x"), "dump-guest-memory -z /x")
    XCTAssertEqual(CaptureMethod.qemuPaging.monitorCommand(to: "/x"), "dump-guest-memory -p /x")
    XCTAssertEqual(CaptureMethod.qemuELFLa57.monitorCommand(to: "/x"), "dump-guest-memory /x")
    XCTAssertEqual(CaptureMethod.qemuELFNoVmcoreinfo.monitorCommand(to: "/x"), "dump-guest-memory /x")
  }

  /// The QEMU variants change the machine, not the guest: LA57 in the CPU model, no
  /// vmcoreinfo device, and nothing else.
  func testCaptureVariantsShapeTheMachine() throws {
    let tree = KernelTree(
      release: "r", label: "6.1", packageVersion: nil, image: "/k", modulesDir: nil, buildDir: "/b",
      compiler: "gcc-12", noModulesReason: nil)
    let panic = try ScenarioCatalogue.named("panic")
    func arguments(_ capture: CaptureMethod) throws -> [String] {
      let request = LabRunRequest(
        scenario: panic, kernel: tree, capture: capture, out: URL(fileURLWithPath: "/o"))
      let work = URL(fileURLWithPath: "/w")
      return try LabRunner().qemuCommand(
        request, initrd: work.appendingPathComponent("i"), work: work, disk: work.appendingPathComponent("d")
      ).arguments
    }
    let la57 = try arguments(.qemuELFLa57)
    XCTAssertEqual(la57.firstIndex(of: "-cpu").map { la57[$0 + 1] }, "qemu64,+la57")
    XCTAssertTrue(la57.contains("vmcoreinfo"))
    let bare = try arguments(.qemuELFNoVmcoreinfo)
    XCTAssertFalse(bare.contains("vmcoreinfo"))
    XCTAssertFalse(bare.contains("-cpu"))
    let elf = try arguments(.qemuELF)
    XCTAssertEqual(try arguments(.qemuPaging), elf)
    XCTAssertEqual(elf, bare + ["-device", "vmcoreinfo"])
  }
}
