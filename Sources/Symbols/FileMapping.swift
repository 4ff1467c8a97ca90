#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A whole file mapped read-only (mmap(2)): a 600 MB vmlinux costs only the pages
/// that lookups touch.
enum FileMapping {
  static func map(_ path: String) throws -> ByteView {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw SymbolsError(.io, path: path, expected: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw SymbolsError(.io, path: path, expected: "cannot stat: \(String(cString: strerror(errno)))")
    }
    let size = Int(status.st_size)
    if size == 0 { return ByteView(bytes: [], name: path) }
    guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED
    else {
      throw SymbolsError(.io, path: path, expected: "cannot map: \(String(cString: strerror(errno)))")
    }
    // A 600 MB vmlinux is read in scattered places (one unit here, a line program
    // there): the kernel's sequential readahead would read hundreds of MB that no
    // lookup needs. Readers advise what they will scan instead (ByteView.willNeed).
    _ = madvise(address, size, MADV_RANDOM)
    let storage = ByteStorage(
      base: UnsafeRawPointer(address), count: size, isMapped: true, release: { _ = munmap(address, size) })
    return ByteView(storage: storage, name: path)
  }
}
