/// The Debian kernels the lab boots: one per suite, named by their upstream series.
///
/// Each suite is read together with its security suite, so the lab boots the kernel a
/// patched Debian machine of that release runs today (for bookworm: 6.1.0-NN from
/// bookworm-security rather than the older point-release kernel).
public enum DebianKernel: String, CaseIterable, Codable, Sendable {
  case v5_10 = "5.10"
  case v6_1 = "6.1"
  case v6_12 = "6.12"

  /// The Debian suite that ships this series.
  public var suite: String {
    switch self {
    case .v5_10: return "bullseye"
    case .v6_1: return "bookworm"
    case .v6_12: return "trixie"
    }
  }

  /// The suites apt reads for this kernel: the release and its security updates.
  public var aptSuites: [(uri: String, suite: String)] {
    [
      ("http://deb.debian.org/debian", suite),
      ("http://deb.debian.org/debian-security", "\(suite)-security"),
    ]
  }

  /// The host compiler that builds modules for this kernel, or why none can.
  ///
  /// Debian builds 5.10 with gcc 10 and 6.12 with gcc 14; the lab's host (Debian 12) has
  /// gcc 12. A module built with gcc 12 loads into 5.10 (Kbuild only warns). For 6.12 the
  /// headers' config passes gcc 14 options (`-fmin-function-alignment=16`) that gcc 12
  /// rejects, and trixie's gcc 14 needs a newer glibc than the host's, so 6.12 runs only
  /// the scenarios that need no module.
  public var moduleCompiler: Result<String, ModuleCompilerUnavailable> {
    switch self {
    case .v5_10, .v6_1: return .success("gcc-12")
    case .v6_12:
      return .failure(
        ModuleCompilerUnavailable(
          reason: "6.12 modules need gcc 14 (the host has gcc 12); only sysrq scenarios run"))
    }
  }

  /// The Kbuild package that carries `scripts/` for this series.
  var kbuildPackage: String { "linux-kbuild-\(rawValue)" }
}

/// Why modules cannot be built for a kernel.
public struct ModuleCompilerUnavailable: Error, Sendable, Equatable {
  public var reason: String
}
