import XCTest

@testable import Capture

final class CrashKernelParameterTests: XCTestCase {
  let gib: UInt64 = 1 << 30
  let mib: UInt64 = 1 << 20

  func testFixedSizeWithAndWithoutOffset() throws {
    let plain = try CrashKernelParameter(parsing: "256M")
    XCTAssertEqual(plain.amount, .fixed(256 * mib))
    XCTAssertNil(plain.offset)
    let placed = try CrashKernelParameter(parsing: "128M@16M")
    XCTAssertEqual(placed.amount, .fixed(128 * mib))
    XCTAssertEqual(placed.offset, 16 * mib)
    XCTAssertEqual(try CrashKernelParameter(parsing: "0x10000000").size(forSystemRAM: 0), 256 * mib)
  }

  func testRangesPickTheFirstMatchingRangeEndExclusive() throws {
    // The default of Debian's kdump-tools and of many distributions.
    let value = try CrashKernelParameter(parsing: "384M-2G:64M,2G-:128M")
    XCTAssertEqual(value.size(forSystemRAM: 256 * mib), 0, "below every range: nothing reserved")
    XCTAssertEqual(value.size(forSystemRAM: 1 * gib), 64 * mib)
    XCTAssertEqual(value.size(forSystemRAM: 2 * gib), 128 * mib, "end is exclusive")
    XCTAssertEqual(value.size(forSystemRAM: 64 * gib), 128 * mib)
    let placed = try CrashKernelParameter(parsing: "512M-2G:64M,2G-:128M@16M")
    XCTAssertEqual(placed.offset, 16 * mib)
  }

  func testRegionSuffixes() throws {
    XCTAssertEqual(try CrashKernelParameter(parsing: "1G,high").region, .high)
    XCTAssertEqual(try CrashKernelParameter(parsing: "256M,low").region, .low)
    XCTAssertEqual(try CrashKernelParameter(parsing: "512M,cma").region, .cma)
    XCTAssertEqual(try CrashKernelParameter(parsing: "1G,high").size(forSystemRAM: 0), gib)
  }

  func testEveryValueOfACommandLine() throws {
    let values = try CrashKernelParameter.all(
      inCommandLine: "BOOT_IMAGE=/vmlinuz root=/dev/vda1 crashkernel=1G,high crashkernel=256M,low quiet")
    XCTAssertEqual(values.map(\.region), [.high, .low])
    XCTAssertEqual(try CrashKernelParameter.all(inCommandLine: "quiet splash"), [])
  }

  func testErrorsNameTheValueAndWhatWasExpected() {
    for bad in ["", "lots", "1G-512M:64M", "256Q", "2G-:", "99999999999999999999E"] {
      XCTAssertThrowsError(try CrashKernelParameter(parsing: bad), bad) { error in
        XCTAssertTrue(String(describing: error).hasPrefix("crashkernel=\(bad): expected"), "\(error)")
      }
    }
  }

  func testReservationTakesTheLastPlainValueElseHighWithLow() throws {
    let plain = CrashKernelReservation(
      try CrashKernelParameter.all(inCommandLine: "crashkernel=128M crashkernel=256M,high crashkernel=512M"))
    XCTAssertEqual(plain.main?.source, "512M")
    XCTAssertNil(plain.low, "a plain value ignores ,low")
    let high = CrashKernelReservation(
      try CrashKernelParameter.all(
        inCommandLine: "crashkernel=1G,high crashkernel=128M,low crashkernel=64M,cma"))
    XCTAssertEqual(high.main?.source, "1G,high")
    XCTAssertEqual(high.low?.source, "128M,low")
    XCTAssertEqual(high.cma?.source, "64M,cma")
    XCTAssertEqual(high.mainSize(forSystemRAM: 16 * gib), gib)
    XCTAssertNil(CrashKernelReservation([]).main)
  }
}
