import Foundation
import Lab
import XCTest

/// The one gate of the tests that boot QEMU guests (directly or through the lab's scene
/// cache): `CORONER_LAB_TESTS=0` turns them off on a developer's machine; under CI it is
/// a failure, since the lab's tests are the suite's proof on real kernels.
public enum LabGate {
  public static var isOff: Bool { ProcessInfo.processInfo.environment["CORONER_LAB_TESTS"] == "0" }

  /// Throws the skip (or, under CI, the failure) when the lab is turned off.
  public static func require() throws {
    guard isOff else { return }
    throw TestInput.missing("the lab (CORONER_LAB_TESTS=0)", makeWith: "unset CORONER_LAB_TESTS")
  }

  /// A scene of the shared cache (`LabSceneCache`): booted now the first time, reused
  /// afterwards by every test target and later runs.
  public static func scene(
    _ scenario: String, on kernel: DebianKernel, capture: CaptureMethod = .kdump, dump: SceneDump? = nil
  ) throws -> CachedScene {
    try require()
    return try LabSceneCache().scene(scenario: scenario, kernel: kernel, capture: capture, dump: dump)
  }

  /// The lab's kernel tree of `kernel`, set up now when it is not yet (idempotent).
  public static func kernelTree(_ kernel: DebianKernel) throws -> KernelTree {
    try require()
    let cache = LabCache()
    if let tree = try? cache.kernel(kernel) { return tree }
    let report = try cache.setup(kernels: [kernel])
    guard let tree = report.kernels.first(where: { $0.kernel == kernel })?.tree else {
      throw TestInput.missing(
        "the lab kernel \(kernel.rawValue)", makeWith: "coroner lab setup --kernel \(kernel.rawValue)")
    }
    return tree
  }

  /// The -dbg package's files of the release the lab runs for `kernel` (System.map, and
  /// vmlinux with DWARF when asked), fetched now when missing (about 1 GB, once).
  public static func debugPackage(
    _ kernel: DebianKernel, parts: [DebugKernelPackage.Part] = [.systemMap]
  ) throws -> DebugKernelPackage {
    _ = try kernelTree(kernel)
    return try LabCache().fetchDebugPackage(kernel, parts: parts).package
  }
}
