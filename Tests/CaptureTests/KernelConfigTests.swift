import XCTest

@testable import Capture

final class KernelConfigTests: XCTestCase {
  func testKernelConfigFromProcConfigGz() throws {
    let root = SystemRoot(FixtureTree.path("config-gz"))
    let loaded = try XCTUnwrap(KernelConfig.load(from: root, release: "6.12.0-test"))
    XCTAssertEqual(loaded.path, "/proc/config.gz")
    XCTAssertTrue(loaded.config.isEnabled("CRASH_DUMP"))
    XCTAssertTrue(loaded.config.isEnabled("NETCONSOLE"))
    XCTAssertFalse(loaded.config.isEnabled("KEXEC_FILE"))
    XCTAssertEqual(loaded.config.options["LOG_BUF_SHIFT"], "18")
  }
}
