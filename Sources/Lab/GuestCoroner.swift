import Foundation

/// A `coroner` binary made to run inside a lab guest: built in release mode with the
/// Swift runtime linked in (`--static-swift-stdlib`), in its own scratch folder so it never
/// disturbs the host's debug build, then copied into an initramfs with the C libraries
/// `ldd` lists and the loader (docs/crash-lab.md, "Swift in the guest").
/// SwiftPM's own incremental build is the cache: a second `build` relinks nothing.
public struct GuestCoroner: Sendable {
  /// Which of the package's executables: the whole command line (doctor, arm, pstore in
  /// the crash guest) or the small capture binary the capture kernel runs.
  public enum Product: String, Sendable {
    case coroner
    case capture = "coroner-capture"

    /// Where the binary sits inside the guest; busybox's applets never take these names.
    public var guestPath: String { "/bin/" + rawValue }
  }

  /// Where the whole command line sits inside the guest.
  public static let guestPath = Product.coroner.guestPath

  /// The built binary on the host.
  public var binary: URL
  public var product: Product
  /// Host wall-clock seconds the build took (close to zero when SwiftPM had nothing to do).
  public var buildSeconds: Double

  public init(binary: URL, product: Product = .coroner, buildSeconds: Double = 0) {
    self.binary = binary
    self.product = product
    self.buildSeconds = buildSeconds
  }

  /// Where this binary sits inside the guest.
  public var guestPath: String { product.guestPath }

  /// The guest's command that starts a capture: the small binary is the command itself.
  public var captureCommand: String {
    product == .capture ? guestPath : guestPath + " capture"
  }

  /// The scratch folder of the guest build, beside the package's own `.build`.
  public static func scratch(package: URL) -> URL {
    package.appendingPathComponent(".build-guest")
  }

  /// Builds (or brings up to date) the release binary of the package at `package`.
  public static func build(
    package: URL, scratch: URL? = nil, product: Product = .coroner
  ) throws
    -> GuestCoroner
  {
    let folder = scratch ?? Self.scratch(package: package)
    guard FileManager.default.fileExists(atPath: package.appendingPathComponent("Package.swift").path) else {
      throw LabError.missingInput(path: package.path, expected: "the coroner package (Package.swift)")
    }
    let start = Date()
    // The runtime is linked in, so the binary can be linked at a fixed address, and
    // libstdc++ with it where the compiler has its archive (Package.swift's fixedAddress);
    // the same settings as scripts/test's, so that neither build relinks the other's.
    let staticCxx = try Subprocess.run(
      [package.appendingPathComponent("scripts/static-cxx-dir").path, folder.path], in: package)
    try Subprocess.run(
      [
        "env", "CORONER_FIXED_ADDRESS=1",
        "CORONER_STATIC_CXX_DIR=\(staticCxx.trimmingCharacters(in: .whitespacesAndNewlines))",
        "swift", "build", "-c", "release", "--static-swift-stdlib", "--product", product.rawValue,
        "--scratch-path", folder.path,
      ], in: package)
    let built = folder.appendingPathComponent("release/" + product.rawValue)
    guard FileManager.default.isExecutableFile(atPath: built.path) else {
      throw LabError.missingInput(path: built.path, expected: "the guest build's \(product.rawValue) binary")
    }
    // Symbols are a quarter of the binary and the guest never reads them: a smaller
    // initramfs unpacks faster under TCG. Stripped again only when the build relinked.
    var binary = built
    if Subprocess.which("strip") != nil {
      binary = folder.appendingPathComponent(product.rawValue + "-guest")
      if Self.isOlder(binary, than: built) {
        try Subprocess.run(["strip", "--strip-all", "-o", binary.path, built.path])
      }
    }
    let seconds = Date().timeIntervalSince(start)
    return GuestCoroner(binary: binary, product: product, buildSeconds: (seconds * 100).rounded() / 100)
  }

  /// True when `file` is missing or older than `source`.
  static func isOlder(_ file: URL, than source: URL) -> Bool {
    let fm = FileManager.default
    guard let mine = (try? fm.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date,
      let theirs = (try? fm.attributesOfItem(atPath: source.path))?[.modificationDate] as? Date
    else { return true }
    return mine < theirs
  }

  /// The guest build of the checkout these sources belong to: `.coroner` for what
  /// `--arm-with coroner` puts into the guest, `.capture` for the kdump-coroner capture.
  public static func buildFromCheckout(product: Product = .coroner) throws -> GuestCoroner {
    guard let package = packageRoot() else {
      throw LabError.missingInput(
        path: "Package.swift", expected: "the coroner checkout these sources belong to")
    }
    return try build(package: package, product: product)
  }

  /// The package that holds this source file, for tests and for `coroner lab run` from a
  /// checkout; nil when the sources are not where they were compiled.
  public static func packageRoot(sourceFile: String = #filePath) -> URL? {
    var url = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
    while url.path != "/" {
      if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        return url
      }
      url.deleteLastPathComponent()
    }
    return nil
  }

  /// Puts the binary at `guestPath` and every shared library it needs (glibc, libstdc++,
  /// libgcc_s, zlib, the loader) at its host path, where the loader looks for it, with the
  /// page codecs' libraries it opens at run time (`SharedLibraries.pageCodecs`).
  public func install(into tree: inout InitramfsTree) throws {
    try tree.addHostFile(binary, at: guestPath)
    try tree.addHostLibraries(
      try SharedLibraries.of(binary) + SharedLibraries.resolve(SharedLibraries.pageCodecs))
  }
}
