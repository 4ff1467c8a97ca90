#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a path holds, read the way its kind allows, from one open(2): a regular file
/// or block device as `FileBytes` (random access, mapped or pread), a pipe, FIFO,
/// character device or socket read whole as a stream (`StreamBytes`, bounded by
/// `streamLimit` and by a writer that stays silent; `head` may refuse a stream from its
/// first `headSize` bytes).
public enum PathBytes {
  case file(FileBytes)
  case stream([UInt8])

  public static func open(
    path: String, access: FileBytes.Access, streamLimit: Int, headSize: Int = 0,
    head: ([UInt8]) -> BytesError? = { _ in nil }
  ) throws(BytesError) -> PathBytes {
    let descriptor = try FileBytes.openDescriptor(path)
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let error = FileBytes.systemError(path, "cannot stat", errno)
      close(descriptor)
      throw error
    }
    switch status.st_mode & S_IFMT {
    case S_IFIFO, S_IFCHR, S_IFSOCK:
      defer { close(descriptor) }
      return .stream(
        try StreamBytes.read(
          descriptor: descriptor, name: path, limit: streamLimit, headSize: headSize, head: head))
    default:
      return .file(try FileBytes(adopting: descriptor, path: path, access: access))
    }
  }
}
