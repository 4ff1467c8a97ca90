import Foundation
import XCTest

@testable import Capture

/// The doctor fixtures: `doctor/ready` is a whole machine that would capture its crash;
/// every other folder holds only the files of one failure, laid over a copy of it, and a
/// `.deleted` list of paths that the failure removes.
enum FixtureTree {
  static var fixtures: URL {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
  }

  static func path(_ relative: String) -> String {
    fixtures.appendingPathComponent(relative).path
  }

  /// A fresh copy of the ready tree with the named failure laid over it.
  static func machine(_ failure: String? = nil) throws -> SystemRoot {
    let manager = FileManager.default
    let target = manager.temporaryDirectory.appendingPathComponent("coroner-doctor-\(UUID().uuidString)")
    try manager.copyItem(at: fixtures.appendingPathComponent("doctor/ready"), to: target)
    if let failure {
      let overlay = fixtures.appendingPathComponent("doctor/\(failure)")
      let walker = manager.enumerator(at: overlay, includingPropertiesForKeys: [.isDirectoryKey])!
      for case let file as URL in walker where !file.hasDirectoryPath {
        let relative = String(file.path.dropFirst(overlay.path.count))
        if relative == "/.deleted" {
          for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
            try manager.removeItem(atPath: target.path + line)
          }
          continue
        }
        let destination = target.path + relative
        try manager.createDirectory(
          atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if manager.fileExists(atPath: destination) { try manager.removeItem(atPath: destination) }
        try manager.copyItem(atPath: file.path, toPath: destination)
      }
    }
    return SystemRoot(target.path)
  }

  static func remove(_ root: SystemRoot) {
    try? FileManager.default.removeItem(atPath: root.directory)
  }
}
