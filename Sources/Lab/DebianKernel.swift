/// The Debian kernels the lab boots: one per suite, named by their upstream series, and
/// sid's (unstable), named `sid` since its series moves with every upload, and one the
/// lab builds itself from a suite's kernel source.
///
/// Each released suite is read together with its security suite, so the lab boots the
/// kernel a patched Debian machine of that release runs today (for bookworm: 6.1.0-NN from
/// bookworm-security rather than the older point-release kernel). Sid has no security
/// suite: its fixes land in sid itself.
public enum DebianKernel: String, CaseIterable, Codable, Sendable {
  case v5_10 = "5.10"
  case v6_1 = "6.1"
  case v6_12 = "6.12"
  case sid = "sid"
  /// trixie's linux-source-6.12 built by the lab with a small configuration of its own
  /// (`LabKernelConfig.buddy`): Debian's kernels have no hard-lockup detector that works
  /// without a PMU, and this one has the buddy detector.
  case v6_12_buddy = "6.12-buddy"

  /// The kernels Debian ships built: what `coroner lab setup` fetches by default.
  public static let packaged: [DebianKernel] = [.v5_10, .v6_1, .v6_12, .sid]

  /// The Debian suite that ships this series (or its source).
  public var suite: String {
    switch self {
    case .v5_10: return "bullseye"
    case .v6_1: return "bookworm"
    case .v6_12, .v6_12_buddy: return "trixie"
    case .sid: return "sid"
    }
  }

  /// Whether the suite has a `SUITE-security` suite beside it.
  public var hasSecuritySuite: Bool { self != .sid }

  /// The source package and configuration of a kernel the lab builds, nil for a
  /// packaged one.
  public var sourceBuild: LabKernelConfig? {
    switch self {
    case .v5_10, .v6_1, .v6_12, .sid: return nil
    case .v6_12_buddy: return .buddy
    }
  }

  /// The name of the kernel's folder and stamp in the lab cache: the suite for a
  /// packaged kernel (one per suite), the kernel's own name for a built one.
  var cacheName: String { sourceBuild == nil ? suite : rawValue }

  /// The compiler that builds modules for this kernel.
  ///
  /// Debian builds 5.10 with gcc 10, 6.12 with gcc 14 and sid's kernel with sid's newest
  /// gcc; the lab's host (Debian 12) has gcc 12. A module built with gcc 12 loads into 5.10
  /// (Kbuild only warns). From 6.12 on the headers' config passes options of the newer gcc
  /// (`-fmin-function-alignment=16`) that gcc 12 rejects, so the suite's own gcc, the
  /// version its headers package depends on, is unpacked beside the kernel (see
  /// `SuiteToolchain`).
  public var moduleToolchain: ModuleToolchain {
    switch self {
    case .v5_10, .v6_1: return .host(compiler: "gcc-12")
    case .v6_12, .sid: return .suite
    // Built by the lab with the host's gcc 12: its modules are built with the same one.
    case .v6_12_buddy: return .host(compiler: "gcc-12")
    }
  }
}

/// Where the compiler for a kernel's modules comes from.
public enum ModuleToolchain: Sendable, Equatable {
  /// A compiler installed on the host (a HostPrerequisites package).
  case host(compiler: String)
  /// The suite's own gcc, of the version the kernel's headers package depends on, unpacked
  /// in the kernel's cache folder with the libraries it needs.
  case suite
}
