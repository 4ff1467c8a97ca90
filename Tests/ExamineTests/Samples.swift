import Foundation
import Lab

/// The repository's committed sample: a 6.1 soft lockup, kdump-compressed by
/// makedumpfile -c -d 31, with its serial console (Samples/README.md).
enum Samples {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Samples").path

  static let softlockupVmcore = root + "/softlockup-6.1/vmcore"
  static let softlockupConsole = root + "/softlockup-6.1/console.log"

  /// The sample's `scene.json`, as `lab run` wrote it.
  static let softlockupScene = root + "/softlockup-6.1/scene.json"

  /// The sampled System.map of the sample's release that ships beside it: one
  /// kernel-mapped symbol in 64 of the -dbg package's System.map, and _stext and prb (scripts/lab-make-sample).
  static func systemMap(release: String) -> String {
    root + "/softlockup-6.1/System.map-" + release
  }
}
