import Foundation

/// A writer of the "new ASCII" cpio format (magic `070701`) that the kernel unpacks as an
/// initramfs (Documentation/driver-api/early-userspace/buffer-format.rst,
/// init/initramfs.c). Uncompressed: the kernel accepts it as is.
public struct NewcArchive: Sendable {
  public private(set) var data = Data()
  private var nextInode: UInt32 = 1

  public init() {}

  /// Unix file type bits of `st_mode` (sys/stat.h).
  static let typeDirectory: UInt32 = 0o040000
  static let typeRegular: UInt32 = 0o100000
  static let typeSymlink: UInt32 = 0o120000

  public mutating func appendDirectory(_ path: String, permissions: UInt32 = 0o755) {
    append(path: path, mode: Self.typeDirectory | permissions, links: 2, body: Data())
  }

  public mutating func appendFile(_ path: String, contents: Data, permissions: UInt32 = 0o644) {
    append(path: path, mode: Self.typeRegular | permissions, links: 1, body: contents)
  }

  public mutating func appendSymlink(_ path: String, target: String) {
    append(path: path, mode: Self.typeSymlink | 0o777, links: 1, body: Data(target.utf8))
  }

  /// Ends the archive with the `TRAILER!!!` entry; returns the archive's bytes.
  public mutating func finish() -> Data {
    appendEntry(name: "TRAILER!!!", inode: 0, mode: 0, links: 1, body: Data())
    return data
  }

  private mutating func append(path: String, mode: UInt32, links: UInt32, body: Data) {
    let inode = nextInode
    nextInode += 1
    appendEntry(name: Self.archiveName(path), inode: inode, mode: mode, links: links, body: body)
  }

  /// Names are stored relative, without a leading slash, as `cpio -o` would.
  static func archiveName(_ path: String) -> String {
    var name = Substring(path)
    while name.hasPrefix("/") { name = name.dropFirst() }
    return name.isEmpty ? "." : String(name)
  }

  private mutating func appendEntry(name: String, inode: UInt32, mode: UInt32, links: UInt32, body: Data) {
    let nameBytes = Array(name.utf8) + [0]
    // inode, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
    // rdevminor, namesize, check: thirteen 8-digit hexadecimal fields after the magic.
    let fields: [UInt32] = [
      inode, mode, 0, 0, links, 0, UInt32(body.count), 0, 0, 0, 0, UInt32(nameBytes.count), 0,
    ]
    var header = "070701"
    for field in fields { header += Self.hex8(field) }
    data.append(contentsOf: Array(header.utf8))
    data.append(contentsOf: nameBytes)
    pad()
    data.append(body)
    pad()
  }

  /// Header plus name, and the file data, each end on a 4-byte boundary.
  private mutating func pad() {
    let extra = (4 - data.count % 4) % 4
    data.append(contentsOf: [UInt8](repeating: 0, count: extra))
  }

  static func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }
}
