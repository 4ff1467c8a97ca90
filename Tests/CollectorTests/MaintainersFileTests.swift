import Collector
import XCTest

/// MAINTAINERS routing: `F:` and `X:` patterns as the file's header describes them.
final class MaintainersFileTests: XCTestCase {
  /// A header like the kernel's (indented examples are prose), then sections in its form.
  static let text = """
    List of maintainers
    ===================

    Descriptions of section entries and preferred order
    ---------------------------------------------------

    \tM: *Mail* patch to: FullName <address@domain>
    \tF: *Files* and directories wildcard patterns.

    Maintainers List
    ----------------

    NETWORKING DRIVERS
    M:\tNet Maintainer <net@example.org>
    L:\tnetdev@example.org
    S:\tMaintained
    F:\tdrivers/net/
    X:\tdrivers/net/wireless/

    VIRTIO NET DRIVER
    M:\tVirtio Maintainer <virtio@example.org>
    L:\tvirtualization@example.org
    S:\tSupported
    F:\tdrivers/net/virtio_net.c

    NETWORKING HEADERS
    M:\tNet Maintainer <net@example.org>
    S:\tOdd Fixes
    F:\tinclude/net/*
    F:\t*/net/*.h

    THE REST
    M:\tEveryone <all@example.org>
    S:\tBuried alive in reporters
    F:\t*
    F:\t*/

    """

  func testTheMostSpecificSectionComesFirst() {
    let file = MaintainersFile(text: Self.text)
    XCTAssertEqual(
      file.subsystems(for: "drivers/net/virtio_net.c").map(\.name),
      ["VIRTIO NET DRIVER", "NETWORKING DRIVERS"])
    let virtio = file.subsystems(for: "drivers/net/virtio_net.c").first
    XCTAssertEqual(virtio?.maintainers, ["Virtio Maintainer <virtio@example.org>"])
    XCTAssertEqual(virtio?.lists, ["virtualization@example.org"])
    XCTAssertEqual(virtio?.status, "Supported")
  }

  func testFolderPatternsCoverEverythingBelowAndExclusionsWin() {
    let file = MaintainersFile(text: Self.text)
    XCTAssertEqual(
      file.subsystems(for: "drivers/net/ethernet/intel/e1000/e1000_main.c").map(\.name),
      [
        "NETWORKING DRIVERS"
      ])
    XCTAssertEqual(file.subsystems(for: "drivers/net/wireless/ath/main.c").map(\.name), [])
    XCTAssertEqual(
      file.subsystems(for: "drivers/netdevsim/bus.c").map(\.name), [], "a prefix is not a folder")
  }

  func testWildcardsMatchWithinOneFolderLevel() {
    let file = MaintainersFile(text: Self.text)
    XCTAssertEqual(file.subsystems(for: "include/net/sock.h").map(\.name), ["NETWORKING HEADERS"])
    XCTAssertEqual(file.subsystems(for: "include/net/netfilter/nf_tables.h").map(\.name), [], "not below")
    XCTAssertEqual(file.subsystems(for: "arch/net/x.h").map(\.name), ["NETWORKING HEADERS"])
  }

  func testTheCatchAllNamesNoSubsystem() {
    XCTAssertEqual(MaintainersFile(text: Self.text).subsystems(for: "kernel/panic.c").map(\.name), [])
  }
}
