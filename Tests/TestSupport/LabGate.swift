import Foundation
import Lab
import XCTest

/// The one gate of the tests that boot QEMU guests (directly or through the lab's scene
/// cache): `CORONER_LAB_TESTS=0` turns them off on a developer's machine; under CI it is
/// a failure, since the lab's tests are the suite's proof on real kernels.
public enum LabGate {
  public static var isOff: Bool { ProcessInfo.processInfo.environment["CORONER_LAB_TESTS"] == "0" }

  /// Throws the skip (or, under CI, the failure) when the lab is turned off.
  public static func require(file: StaticString = #filePath, line: UInt = #line) throws {
    guard isOff else { return }
    throw TestInput.unavailable(
      "the lab is turned off by CORONER_LAB_TESTS=0 (unset it to run this test)", file: file, line: line)
  }

  /// A scene of the shared cache (`LabSceneCache`): booted now the first time, reused
  /// afterwards by every test target and later runs.
  public static func scene(
    _ scenario: String, on kernel: DebianKernel, capture: CaptureMethod = .kdump, dump: SceneDump? = nil,
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> CachedScene {
    try require(file: file, line: line)
    return try LabSceneCache().scene(scenario: scenario, kernel: kernel, capture: capture, dump: dump)
  }

  /// The lab's kernel tree of `kernel`, set up now when it is not yet (idempotent).
  public static func kernelTree(
    _ kernel: DebianKernel, file: StaticString = #filePath, line: UInt = #line
  ) throws -> KernelTree {
    try require(file: file, line: line)
    let cache = LabCache()
    if let tree = try? cache.kernel(kernel) { return tree }
    let report = try cache.setup(kernels: [kernel])
    // Setup ran and gave no tree: a failure of the lab, not an input left out.
    return try XCTUnwrap(
      report.kernels.first(where: { $0.kernel == kernel })?.tree,
      "lab setup gave no tree for \(kernel.rawValue)",
      file: file, line: line)
  }

  /// The -dbg package's files of the release the lab runs for `kernel` (System.map, and
  /// vmlinux with DWARF when asked), fetched now when missing (about 1 GB, once).
  public static func debugPackage(
    _ kernel: DebianKernel, parts: [DebugKernelPackage.Part] = [.systemMap],
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> DebugKernelPackage {
    _ = try kernelTree(kernel, file: file, line: line)
    return try LabCache().fetchDebugPackage(kernel, parts: parts).package
  }
}
