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

  /// Debian's debug kernel for the sample's release, when scripts/fetch-debug-kernel
  /// has fetched it.
  static func debugDirectory(release: String) -> String? {
    let cache =
      ProcessInfo.processInfo.environment["CORONER_CACHE"] ?? (NSHomeDirectory() + "/.cache/coroner")
    let folder = "\(cache)/debug/linux-image-\(release)-dbg/usr/lib/debug"
    return FileManager.default.fileExists(atPath: "\(folder)/boot/vmlinux-\(release)") ? folder : nil
  }

  /// `System.map-RELEASE` of the debug package: `address type name` lines. From
  /// scripts/fetch-debug-kernel's folder, else from the lab's (`coroner lab setup --debug`,
  /// which fetches the -dbg package of every suite through the lab's own apt).
  static func systemMap(release: String) -> String? {
    if let folder = debugDirectory(release: release) {
      let path = "\(folder)/boot/System.map-\(release)"
      if FileManager.default.fileExists(atPath: path) { return path }
    }
    return LabCache().debugPackage(release: release)?.file(.systemMap)?.path
  }
}
