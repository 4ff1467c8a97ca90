import Foundation

@testable import Dump

/// Real dumps made in the lab, when this machine has them. They are not committed
/// (hundreds of MB); tests that need one say so and skip when it is absent.
/// `CORONER_DUMP_DIR` points at a folder holding:
///   kdump.vmcore (an in-guest /proc/vmcore copy), kdump.c31, kdump.l31, kdump.F31
///   (makedumpfile -c/-l/-F -d 31 of it), kaslr.elf, kaslr.flatz (QEMU dump-guest-memory
///   without and with -z), kaslr.serial (that guest's console), novmci.elf (QEMU
///   without -device vmcoreinfo).
enum RealDumps {
  static var directory: String {
    ProcessInfo.processInfo.environment["CORONER_DUMP_DIR"] ?? "/work/scratch-dump"
  }

  static func path(_ name: String) -> String? {
    let path = directory + "/" + name
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  /// Every in-guest kdump vmcore (a /proc/vmcore copy) under the folder, one level
  /// deep: files named `vmcore` or `*.vmcore`, as the lab writes them.
  static func inGuestVmcores() -> [String] {
    let manager = FileManager.default
    var found: [String] = []
    let top = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
    for entry in top.sorted() {
      let path = directory + "/" + entry
      var isFolder: ObjCBool = false
      guard manager.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
      if isFolder.boolValue {
        if manager.fileExists(atPath: path + "/vmcore") { found.append(path + "/vmcore") }
      } else if entry == "vmcore" || entry.hasSuffix(".vmcore") {
        found.append(path)
      }
    }
    return found
  }

  /// Output of a reference tool on `path`, or nil when the tool is not installed.
  static func run(_ tool: String, _ arguments: [String]) -> Data? {
    guard
      let executable = ["/usr/sbin/", "/usr/bin/", "/sbin/"].map({ $0 + tool }).first(where: {
        FileManager.default.isExecutableFile(atPath: $0)
      })
    else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? data : nil
  }
}

/// Physical memory that remembers which pages were read, to cut a small fixture
/// holding just what the log reader needs.
final class RecordingMemory: PhysicalMemory, @unchecked Sendable {
  let inner: any PhysicalMemory
  private(set) var pages = Set<UInt64>()

  init(_ inner: any PhysicalMemory) { self.inner = inner }

  var pageSize: Int { inner.pageSize }
  var physicalEnd: UInt64 { inner.physicalEnd }
  var presentRanges: [Range<UInt64>] { inner.presentRanges }

  func readPhysical(_ address: UInt64, count: Int) throws -> [UInt8] {
    let size = UInt64(pageSize)
    if count > 0 {
      for pfn in address / size...(address + UInt64(count) - 1) / size { pages.insert(pfn) }
    }
    return try inner.readPhysical(address, count: count)
  }
}
