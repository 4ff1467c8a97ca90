import Bytes

/// A dump file as a `ByteSource`: the one file reader of `Bytes` (mapped, or read
/// with pread(2) when it cannot be or should not be), with its errors in the dump's
/// terms so that a failed read names the physical address a page was wanted for.
public final class FileSource: ByteSource, @unchecked Sendable {
  public let file: FileBytes

  /// Opens `path`; `.random` for examining a dump, `.readOnce` for copying one
  /// (`Bytes.FileBytes.Access`).
  public init(
    path: String, access: FileBytes.Access = .random, windows: FileBytes.Windows = .automatic
  ) throws {
    do {
      file = try FileBytes(path: path, access: access, windows: windows)
    } catch {
      if let number = error.systemError { throw DumpError.cannotOpen(path: path, errno: number) }
      throw DumpError.unsupported(path: path, what: error.expected)
    }
  }

  /// A file already open (examine has read its first bytes to tell its format).
  public init(file: FileBytes) {
    self.file = file
  }

  public var name: String { file.name }
  public var size: UInt64 { file.size }

  public func copyBytes(at offset: UInt64, count: Int, into destination: UnsafeMutableRawBufferPointer) throws
  {
    do {
      try file.copyBytes(at: offset, count: count, into: destination)
    } catch {
      if error.kind == .truncated {
        throw DumpError.truncated(path: name, offset: offset, expected: "\(count) bytes")
      }
      throw DumpError.pageMissing(address: error.offset ?? offset, reason: error.description)
    }
  }

  public func release(offset: UInt64, count: UInt64) { file.release(offset: offset, count: count) }

}
