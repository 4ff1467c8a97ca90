import Dump
import Foundation
import XCTest

/// The committed sample is checked against what ships beside it, never against what
/// the archive serves today: its scene.json, its console log and its sampled System.map
/// must all be of the release its dump is of. A sample remade by scripts/lab-make-sample
/// on a newer release passes again; a half-remade one fails here.
final class SampleTests: XCTestCase {
  func testSceneConsoleDumpAndSystemMapAreOfOneRelease() throws {
    let dump = try Vmcore.open(path: Samples.softlockupVmcore)
    let release = try XCTUnwrap(dump.vmcoreInfo?.osRelease)
    let sceneData = try Data(contentsOf: URL(fileURLWithPath: Samples.softlockupScene))
    let scene = try XCTUnwrap(try JSONSerialization.jsonObject(with: sceneData) as? [String: Any])
    let kernel = try XCTUnwrap(scene["kernel"] as? [String: Any])
    XCTAssertEqual(kernel["release"] as? String, release, "scene.json")
    XCTAssertEqual(scene["vmcoreBytes"] as? Int, try dataCount(Samples.softlockupVmcore), "scene.json")
    let console = try String(contentsOfFile: Samples.softlockupConsole, encoding: .utf8)
    XCTAssertTrue(console.contains("Linux version \(release) "), "console.log is not of \(release)")
    // The dump's own log starts with the same banner the console printed.
    let banner = try XCTUnwrap(
      try dump.kernelLog().records.lazy.map { String(decoding: $0.text, as: UTF8.self) }.first {
        $0.hasPrefix("Linux version ")
      })
    XCTAssertTrue(console.contains(banner), banner)
    XCTAssertTrue(
      FileManager.default.fileExists(atPath: Samples.systemMap(release: release)),
      "no System.map of \(release) beside the sample")
    let shipped = try FileManager.default.contentsOfDirectory(
      atPath: URL(fileURLWithPath: Samples.softlockupVmcore).deletingLastPathComponent().path)
    XCTAssertEqual(shipped.filter { $0.hasPrefix("System.map-") }, ["System.map-" + release])
  }

  func dataCount(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try XCTUnwrap((attributes[.size] as? NSNumber)?.intValue)
  }
}
