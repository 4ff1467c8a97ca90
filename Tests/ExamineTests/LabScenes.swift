import Foundation
import Lab
import XCTest

/// Lab scenes for tests, from the shared scene cache (one boot per scene, reused by
/// every test target and later runs). CORONER_LAB_TESTS=0 skips them.
enum LabScenes {
  static func scene(
    _ scenario: String, on kernel: DebianKernel, capture: CaptureMethod = .kdump, dump: SceneDump? = nil
  ) throws -> CachedScene {
    if ProcessInfo.processInfo.environment["CORONER_LAB_TESTS"] == "0" {
      throw XCTSkip("CORONER_LAB_TESTS=0")
    }
    return try LabSceneCache().scene(scenario: scenario, kernel: kernel, capture: capture, dump: dump)
  }

  /// syzkaller's type name for the kind a scenario causes.
  /// The scenarios the lab runs on a kernel here (the rest are refused with a reason).
  static func runnable(on kernel: DebianKernel) throws -> [Scenario] {
    if ProcessInfo.processInfo.environment["CORONER_LAB_TESTS"] == "0" {
      throw XCTSkip("CORONER_LAB_TESTS=0")
    }
    let cache = LabCache()
    var tree = try? cache.kernel(kernel)
    if tree == nil { tree = try cache.setup(kernels: [kernel]).kernels.first { $0.kernel == kernel }?.tree }
    guard let tree else { throw XCTSkip("kernel \(kernel.rawValue) is not set up") }
    let accelerator = cache.host().flatMap { Accelerator(rawValue: $0.accelerator) } ?? .tcg
    return ScenarioCatalogue.all.filter { $0.refusal(kernel: tree, accelerator: accelerator) == nil }
  }
}
