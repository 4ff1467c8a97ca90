#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a vmcore, or a part of it, could not be read. Every case names where it went
/// wrong: the file and offset, the physical or virtual address, or the field.
public enum DumpError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file could not be opened or mapped (errno carried).
  case cannotOpen(path: String, errno: Int32)
  /// The file is shorter than a structure that must be there.
  case truncated(path: String, offset: UInt64, expected: String)
  /// A field holds a value the format does not allow.
  case badField(path: String, offset: UInt64, field: String, expected: String)
  /// The file is not a vmcore in any format this library reads.
  case unknownFormat(path: String)
  /// The dump uses something valid that this library does not read (yet).
  case unsupported(path: String, what: String)
  /// No part of the dump covers this physical address (a hole, MMIO, beyond RAM).
  case physicalNotInDump(address: UInt64)
  /// The page exists in the dumped machine but was filtered out of the dump
  /// (makedumpfile dump level, or ELF `p_filesz < p_memsz`).
  case pageExcluded(address: UInt64)
  /// The page should be in the dump but its data is missing (a truncated file or an
  /// incomplete dump).
  case pageMissing(address: UInt64, reason: String)
  /// A compressed page could not be decoded.
  case badPage(address: UInt64, fileOffset: UInt64, reason: String)
  /// A page's compression library is not on this machine.
  case codecUnavailable(codec: String, library: String)
  /// A kernel virtual address that the page tables do not map.
  case unmapped(virtual: UInt64, level: String)
  /// A kernel virtual address that cannot exist (non-canonical).
  case nonCanonical(virtual: UInt64)
  /// VMCOREINFO lacks a key the operation needs.
  case missingVmcoreInfo(key: String)
  /// A VMCOREINFO value that cannot be right for the kernel's structures.
  case badVmcoreInfo(key: String, reason: String)
  /// There is no VMCOREINFO in the dump, and none was found in its memory.
  case noVmcoreInfo
  /// VMCOREINFO states a layout no compiler makes: a zero struct size, a field that
  /// does not fit in its struct.
  case impossibleVmcoreInfo(key: String, reason: String)
  /// A kernel data structure holds a value that cannot be right.
  case corruptKernelData(structure: String, address: UInt64, reason: String)

  public var description: String {
    switch self {
    case .cannotOpen(let path, let errno):
      return "\(path): cannot open: \(String(cString: strerror(errno))) (errno \(errno))"
    case .truncated(let path, let offset, let expected):
      return "\(path): truncated at offset \(offset): expected \(expected)"
    case .badField(let path, let offset, let field, let expected):
      return "\(path): bad \(field) at offset \(offset): expected \(expected)"
    case .unknownFormat(let path):
      return "\(path): not a vmcore (no ELF, KDUMP, DISKDUMP or makedumpfile signature)"
    case .unsupported(let path, let what):
      return "\(path): unsupported: \(what)"
    case .physicalNotInDump(let address):
      return "physical address \(hex(address)) is not in the dump"
    case .pageExcluded(let address):
      return "physical address \(hex(address)): page excluded from the dump"
    case .pageMissing(let address, let reason):
      return "physical address \(hex(address)): page missing (\(reason))"
    case .badPage(let address, let fileOffset, let reason):
      return "physical address \(hex(address)): page data at file offset \(fileOffset) is bad: \(reason)"
    case .codecUnavailable(let codec, let library):
      return "pages are \(codec)-compressed but \(library) is not installed"
    case .unmapped(let virtual, let level):
      return "virtual address \(hex(virtual)) is not mapped (\(level) entry not present)"
    case .nonCanonical(let virtual):
      return "virtual address \(hex(virtual)) is not canonical"
    case .missingVmcoreInfo(let key):
      return "VMCOREINFO has no \(key)"
    case .badVmcoreInfo(let key, let reason):
      return "VMCOREINFO \(key): \(reason)"
    case .noVmcoreInfo:
      return "the dump has no VMCOREINFO note and none was found in its memory"
    case .impossibleVmcoreInfo(let key, let reason):
      return "VMCOREINFO \(key) is impossible: \(reason)"
    case .corruptKernelData(let structure, let address, let reason):
      return "\(structure) at \(hex(address)): \(reason)"
    }
  }
}

extension DumpError {
  /// True for an open(2) error that means the input is not there to read (missing,
  /// not permitted, a link loop, a folder), EX_NOINPUT; other errors are I/O errors.
  public static func isMissingInput(_ number: Int32) -> Bool {
    [ENOENT, EACCES, EPERM, ELOOP, ENOTDIR, EISDIR, ENAMETOOLONG].contains(number)
  }
}

/// `0x` and lowercase hex digits, as kernel addresses are usually written.
func hex(_ value: UInt64) -> String {
  "0x" + String(value, radix: 16)
}
