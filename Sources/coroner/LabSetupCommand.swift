import ArgumentParser
import Foundation
import Lab

struct LabSetupCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "setup",
    abstract: "Install the lab's packages and fetch the Debian kernels (idempotent).",
    discussion: """
      Installs QEMU, busybox-static, kexec-tools and the module build tools when missing, \
      then fetches the kernels of bullseye (5.10), bookworm (6.1) and trixie (6.12), each \
      with its security updates, and sid's (unstable, `sid`), through an apt configuration of the lab's own, into \
      $XDG_CACHE_HOME/coroner/lab (or ~/.cache/coroner/lab). `--kernel 6.12-buddy` builds \
      trixie's linux-source-6.12 with the lab's small configuration (the buddy hard-lockup \
      detector, kdump, BTF, ORC) in that cache instead; it is built only when asked for. The packages come from the \
      Debian archive and security archive of the host's apt sources (/etc/apt/sources.list, \
      /etc/apt/sources.list.d/*.list and *.sources), or from --mirror and --security-mirror.
      """)

  @Option(help: "The Debian archive's URI (default: the host's apt sources).")
  var mirror: String?

  @Option(help: "The Debian security archive's URI (default: the host's apt sources).")
  var securityMirror: String?

  @Option(name: .long, help: "Only this kernel: 5.10, 6.1, 6.12, sid or 6.12-buddy (repeatable).")
  var kernel: [String] = []

  @Flag(help: "Fetch the kernels again even when they are cached.")
  var refresh = false

  @Flag(help: "Also fetch each kernel's -dbg package through the lab's apt and extract System.map.")
  var debug = false

  @Flag(help: "With --debug, also extract vmlinux with DWARF (several hundred MB).")
  var debugVmlinux = false

  func run() throws {
    do {
      let kernels = try kernel.isEmpty ? DebianKernel.packaged : kernel.map(parseKernel)
      let archive =
        mirror == nil && securityMirror == nil
        ? nil : try DebianArchive.host(mirror: mirror, securityMirror: securityMirror)
      let report = try LabCache().setup(
        kernels: kernels, refresh: refresh, archive: archive, progress: labProgress)
      print("cache: \(report.cacheRoot.path)")
      if !report.installedPackages.isEmpty {
        print("installed: \(report.installedPackages.joined(separator: " "))")
      }
      let kvm = report.host.kvmProblem.map { " (KVM unusable: \($0))" } ?? ""
      print("accelerator: \(report.host.accelerator)\(kvm)")
      for result in report.kernels {
        let tree = result.tree
        let verb = result.kernel.sourceBuild == nil ? "fetched" : "built"
        let how = result.fetched ? String(format: "\(verb) in %.1f s", result.seconds) : "cached"
        print(
          "kernel \(result.kernel.rawValue) (\(result.kernel.suite)): \(tree.release) \(tree.packageVersion ?? "") [\(how)]"
        )
        print("  image:   \(tree.image)")
        if let build = tree.buildDir {
          print("  headers: \(build) (modules with \(tree.compiler ?? "?"))")
        } else if let why = tree.noModulesReason {
          print("  modules: none: \(why)")
        }
        if debug || debugVmlinux {
          try printDebugPackage(of: result.kernel, archive: archive)
        }
      }
    } catch {
      throw exitWithLabError(error)
    }
  }
}

extension LabSetupCommand {
  func printDebugPackage(of kernel: DebianKernel, archive: DebianArchive?) throws {
    let parts: [DebugKernelPackage.Part] = debugVmlinux ? [.systemMap, .vmlinux] : [.systemMap]
    let fetch = try LabCache().fetchDebugPackage(kernel, parts: parts, archive: archive)
    let how =
      fetch.fetched
      ? String(
        format: "downloaded in %.1f s, extracted in %.1f s", fetch.downloadSeconds, fetch.extractSeconds)
      : "cached"
    print("  debug:   \(fetch.package.packageName) [\(how)]")
    for part in parts {
      if let file = fetch.package.file(part) { print("    \(part.rawValue): \(file.path)") }
    }
  }
}

func parseKernel(_ name: String) throws -> DebianKernel {
  guard let kernel = DebianKernel(rawValue: name) else {
    throw LabError.unknownName(kind: "kernel", name: name, known: DebianKernel.allCases.map(\.rawValue))
  }
  return kernel
}
