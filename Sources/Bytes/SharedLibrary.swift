#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A shared library opened at run time with dlopen(3), for the codecs and libcrypto:
/// building then needs none of their headers, and a machine without the library
/// still runs everything else (design.md, Dependencies).
///
/// The handle is never closed: the functions looked up in it live as long as the
/// process, like those of a library linked at build time.
public struct SharedLibrary: @unchecked Sendable {
  /// The soname that opened.
  public let name: String
  private let handle: UnsafeMutableRawPointer

  /// The first of `names` (sonames, most specific first) that dlopen(3) finds, or nil.
  public init?(_ names: [String]) {
    for name in names {
      if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
        self.name = name
        self.handle = handle
        return
      }
    }
    return nil
  }

  /// The function `symbol` as the C function type `T` (a `@convention(c)` type that
  /// must match the library's prototype), or nil when the library lacks it.
  public func function<T>(_ symbol: String, as type: T.Type = T.self) -> T? {
    guard let pointer = dlsym(handle, symbol) else { return nil }
    return unsafeBitCast(pointer, to: T.self)
  }
}
