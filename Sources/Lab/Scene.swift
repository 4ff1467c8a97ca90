import Foundation

/// What a lab run leaves beside console.log and the vmcore: scene.json.
public struct Scene: Codable, Sendable {
  public struct Kernel: Codable, Sendable {
    public var release: String
    public var label: String
    public var packageVersion: String?
  }

  /// Wall-clock seconds of each stage, measured on the host.
  public struct Timings: Codable, Sendable {
    /// QEMU start to the guest's "detonating" line.
    public var bootSeconds: Double
    /// Detonation to the crash marker on the console.
    public var detectSeconds: Double
    /// Crash marker to a complete vmcore (or, for kdump-coroner, the unpacked capture
    /// folder) on the host.
    public var captureSeconds: Double
    public var totalSeconds: Double
  }

  public var kernel: Kernel
  public var scenario: String
  public var expectedKind: ScenarioCrash
  public var marker: String
  public var guiltyFunction: String?
  public var capture: CaptureMethod
  public var accelerator: Accelerator
  public var qemuCommandLine: String
  public var kernelCommandLine: String
  public var timings: Timings
  /// The vmcore's file name in the scene folder and its size in bytes.
  public var vmcore: String
  public var vmcoreBytes: UInt64
  /// How the vmcore was filtered after capture (e.g. `makedumpfile -c -d 31`), if it was.
  public var vmcoreFilter: String?
  /// For kdump-coroner: the size of the capture kernel's /proc/vmcore, which the dump was
  /// made from.
  public var rawVmcoreBytes: UInt64?
  public var console: String
  public var createdAt: String

  public func write(to folder: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let url = folder.appendingPathComponent("scene.json")
    do {
      try encoder.encode(self).write(to: url)
    } catch {
      throw LabError.io(path: url.path, reason: "cannot write: \(error.localizedDescription)")
    }
  }
}
