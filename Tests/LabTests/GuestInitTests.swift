import TestSupport
import XCTest

@testable import Lab

final class GuestInitTests: XCTestCase {
  func testCrashScriptArmsDetectorsThenKdumpThenDetonates() throws {
    let scenario = try ScenarioCatalogue.named("softlockup")
    let script = GuestInit.crashScript(
      scenario: scenario, modules: ["virtio_ring", "virtio"],
      kexecLoad: "/opt/kexec/kexec -p /capture/vmlinuz")
    let lines = script.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "#!/bin/busybox sh")
    func index(_ prefix: String) throws -> Int {
      try XCTUnwrap(lines.firstIndex { $0.hasPrefix(prefix) }, prefix)
    }
    XCTAssertLessThan(
      try index("insmod /lib/modules/virtio_ring.ko"), try index("insmod /lib/modules/virtio.ko"))
    XCTAssertLessThan(
      try index("echo 1 > /proc/sys/kernel/softlockup_panic"), try index("/opt/kexec/kexec -p"))
    XCTAssertLessThan(try index("/opt/kexec/kexec -p"), try index("insmod /lib/detonators/det_spin.ko"))
    XCTAssertEqual(lines.last, "while true; do sleep 1; done")
  }

  func testSysrqScenarioNeedsNoModule() throws {
    let script = GuestInit.crashScript(
      scenario: try ScenarioCatalogue.named("panic"), modules: [], kexecLoad: nil)
    XCTAssertTrue(script.contains("echo c > /proc/sysrq-trigger"))
    XCTAssertFalse(script.contains("detonators"))
    XCTAssertFalse(script.contains("kexec"))
  }

  /// The capture /init syncs before it powers off (else the disk stays empty) and uses
  /// the save hook it is given.
  func testCaptureScriptSavesSyncsAndPowersOff() throws {
    let script = GuestInit.captureScript(modules: ["virtio_blk"], save: "coroner capture --to /dev/vda")
    let save = try XCTUnwrap(script.range(of: "coroner capture --to /dev/vda"))
    let sync = try XCTUnwrap(script.range(of: "sync", range: save.upperBound..<script.endIndex))
    let poweroff = try XCTUnwrap(script.range(of: "poweroff -f"))
    XCTAssertLessThan(sync.lowerBound, poweroff.lowerBound)
    XCTAssertTrue(GuestInit.captureScript(modules: []).contains(GuestInit.rawCopy))
  }

  func testSavedSizeIsReadFromTheConsole() {
    XCTAssertEqual(Stage.savedSize(in: "x\ncoroner-lab: vmcore saved 591060992\r\n"), 591_060_992)
    XCTAssertNil(Stage.savedSize(in: "coroner-lab: vmcore save failed"))
  }

  func testLddAndAptParsers() {
    let ldd = """
      \tlinux-vdso.so.1 (0x00007ffd)
      \tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f)
      \tlibxenctrl.so.4.17 => /lib/x86_64-linux-gnu/libxenctrl.so.4.17 (0x00007f)
      \t/lib64/ld-linux-x86-64.so.2 (0x00007f)
      """
    XCTAssertEqual(
      SharedLibraries.parseLdd(ldd),
      [
        "/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libxenctrl.so.4.17",
        "/lib64/ld-linux-x86-64.so.2",
      ])
    // The loader cache: the first path of each soname asked for with the machine's tag,
    // in the order asked.
    let cache = """
      1234 libs found in cache `/etc/ld.so.cache'
      	libzstd.so.1 (libc6) => /lib/i386-linux-gnu/libzstd.so.1
      	libzstd.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libzstd.so.1
      	libsnappy.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libsnappy.so.1
      	libzstd.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libzstd.so
      """
    XCTAssertEqual(
      SharedLibraries.parseLoaderCache(
        cache, sonames: ["libsnappy.so.1", "liblzo2.so.2", "libzstd.so.1"], abi: "x86-64"),
      ["/lib/x86_64-linux-gnu/libsnappy.so.1", "/lib/x86_64-linux-gnu/libzstd.so.1"])
    let depends = """
      linux-headers-6.1.0-56-amd64
        Depends: linux-headers-6.1.0-56-common
       |Depends: linux-image-6.1.0-56-amd64
        Depends: <linux-compiler>
        Depends: linux-kbuild-6.1
        Recommends: gcc-12
      """
    XCTAssertEqual(
      IsolatedApt.parseDepends(depends),
      ["linux-headers-6.1.0-56-common", "linux-image-6.1.0-56-amd64", "linux-kbuild-6.1"])
  }

  func testModuleNames() {
    XCTAssertEqual(KernelModules.moduleName("virtio_blk.ko.xz"), "virtio_blk")
    XCTAssertEqual(KernelModules.moduleName("virtio.ko"), "virtio")
    XCTAssertNil(KernelModules.moduleName("modules.dep"))
  }
}

final class SuiteToolchainTests: XCTestCase {
  func testToolchainsPerKernel() {
    XCTAssertEqual(DebianKernel.v6_1.moduleToolchain, .host(compiler: "gcc-12"))
    XCTAssertEqual(DebianKernel.v5_10.moduleToolchain, .host(compiler: "gcc-12"))
    XCTAssertEqual(DebianKernel.v6_12.moduleToolchain, .suite)
    XCTAssertEqual(DebianKernel.sid.moduleToolchain, .suite)
    XCTAssertEqual(SuiteToolchain.gccVersion(dependedOnBy: ["linux-base", "gcc-14"]), 14)
    XCTAssertEqual(SuiteToolchain.gccVersion(dependedOnBy: ["gcc-16-for-host", "linux-base"]), 16)
    XCTAssertNil(SuiteToolchain.gccVersion(dependedOnBy: ["gcc-14-base", "linux-kbuild-7.2"]))
    XCTAssertTrue(SuiteToolchain.packages(gccVersion: 14).contains("gcc-14-x86-64-linux-gnu"))
  }

  /// The flavour headers' Makefile names the common headers (and from 7.x its own folder)
  /// by absolute path; unpacked in the cache both point there.
  func testHeadersMakefileIsRelocated() {
    let sid = """
      KBUILD_OUTPUT=/usr/src/linux-headers-7.2.13+deb14-amd64
      include /usr/src/linux-headers-7.2.13+deb14-common/Makefile
      """
    XCTAssertEqual(
      HeadersTree.relocated(sid, root: "/cache/kernels/sid"),
      """
      KBUILD_OUTPUT=/cache/kernels/sid/usr/src/linux-headers-7.2.13+deb14-amd64
      include /cache/kernels/sid/usr/src/linux-headers-7.2.13+deb14-common/Makefile
      """)
  }

  func testHostGlibcIsKnown() {
    XCTAssertGreaterThanOrEqual(SuiteToolchain.hostGlibcMinor(), 17)
  }

  /// A wrapped program still runs, through the loader the wrapper names.
  func testWrapperRunsTheRealProgram() throws {
    let folder = try temporaryFolder()
    let toolchain = SuiteToolchain(root: folder)
    try FileManager.default.createDirectory(at: toolchain.libraryDir, withIntermediateDirectories: true)
    // The host's own loader stands in for the suite's.
    try FileManager.default.createSymbolicLink(
      at: toolchain.loader, withDestinationURL: URL(fileURLWithPath: "/lib64/ld-linux-x86-64.so.2"))
    let program = folder.appendingPathComponent("echo")
    try FileManager.default.copyItem(at: URL(fileURLWithPath: "/bin/echo"), to: program)
    XCTAssertEqual(try SuiteToolchain.executables(under: folder).map(\.lastPathComponent), ["echo"])
    try toolchain.wrap(program)
    XCTAssertEqual(
      String(decoding: try ToolRun.output(program.path, ["wrapped"]), as: UTF8.self), "wrapped\n")
    XCTAssertTrue(FileManager.default.fileExists(atPath: program.path + ".real"))
  }
}
