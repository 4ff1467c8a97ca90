import Foundation
import Lab
import TestSupport
import XCTest

/// Lab scenes for tests, from the shared scene cache (one boot per scene, reused by
/// every test target and later runs), behind the lab gate (TestSupport's `LabGate`).
enum LabScenes {
  static func scene(
    _ scenario: String, on kernel: DebianKernel, capture: CaptureMethod = .kdump, dump: SceneDump? = nil
  ) throws -> CachedScene {
    try LabGate.scene(scenario, on: kernel, capture: capture, dump: dump)
  }

  /// The scenarios the lab runs on a kernel here (the rest are refused with a reason).
  static func runnable(on kernel: DebianKernel) throws -> [Scenario] {
    let tree = try LabGate.kernelTree(kernel)
    let accelerator = LabCache().host().flatMap { Accelerator(rawValue: $0.accelerator) } ?? .tcg
    return ScenarioCatalogue.all.filter { $0.refusal(kernel: tree, accelerator: accelerator) == nil }
  }

  /// The captures the `panic` scene is taken with on `kernel`: every kernel by the
  /// four everyday methods, and 6.1 also by the QEMU variants that change how memory is
  /// found (5-level paging, no vmcoreinfo device, the paging dump).
  static func panicCaptures(on kernel: DebianKernel) -> [CaptureMethod] {
    let everyday: [CaptureMethod] = [.kdump, .kdumpCoroner, .qemuELF, .qemuKdump]
    return kernel == .v6_1 ? everyday + [.qemuELFLa57, .qemuELFNoVmcoreinfo, .qemuPaging] : everyday
  }
}
