import ArgumentParser
import Foundation
import Lab

/// `coroner lab debian`: the kdump-tools cycle in the lab's Debian guest, with Coroner's
/// packages installed (`KdumpToolsCycle`).
struct LabDebianCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "debian",
    abstract: "Boot a Debian system with Coroner's packages through a kdump-tools crash cycle.",
    discussion: """
      The lab's Debian guest (bookworm with systemd, Debian's kernel and kdump-tools, made \
      once with mmdebstrap from the host's Debian archive and cached) gets the coroner and \
      coroner-makedumpfile packages, runs `coroner doctor` before and after kdump-tools loads \
      the capture kernel, panics with sysrq-c, saves the dump with kdump-tools through \
      Coroner's makedumpfile, reboots, harvests the ramoops record with coroner-pstore.service \
      and powers off. Leaves console.log and crash/ (the guest's /var/crash) in --out.
      """)

  @Option(help: "Output folder.")
  var out: String

  @Option(
    name: .customLong("deb"),
    help: "A package to install (repeat, in order); default: scripts/package-deb of this checkout.")
  var debs: [String] = []

  @Option(help: "The Debian archive's URI (default: the host's apt sources).")
  var mirror: String?

  @Option(help: "The Debian security archive's URI (default: the host's apt sources).")
  var securityMirror: String?

  @Option(help: "tcg or kvm (default: what setup found working).")
  var accel: String?

  @Option(help: "Multiply every timeout by this factor.")
  var timeoutScale = 1.0

  func run() throws {
    do {
      let cache = LabCache()
      let outURL = URL(fileURLWithPath: out)
      var archive: DebianArchive?
      if mirror != nil || securityMirror != nil {
        archive = try DebianArchive.host(mirror: mirror, securityMirror: securityMirror)
      }
      let (guest, built) = try cache.debianGuest(archive: archive, progress: labProgress)
      if built { labProgress("guest root made in \(guest.buildSeconds) s: \(guest.root)") }
      var packages = debs.map { URL(fileURLWithPath: $0) }
      if packages.isEmpty {
        guard let checkout = GuestCoroner.packageRoot() else {
          throw LabError.missingInput(
            path: "Package.swift", expected: "a checkout to build the packages from")
        }
        labProgress("building the packages with scripts/package-deb")
        packages = try CoronerPackages.build(
          package: checkout, out: outURL.appendingPathComponent("debs"), lintian: false)
      }
      var cycle = KdumpToolsCycle(guest: guest, debs: packages, out: outURL)
      let accelName = accel ?? cache.host()?.accelerator ?? "tcg"
      guard let accelerator = Accelerator(rawValue: accelName) else {
        throw LabError.unknownName(
          kind: "accelerator", name: accelName, known: Accelerator.allCases.map(\.rawValue))
      }
      cycle.accelerator = accelerator
      cycle.timeoutScale = timeoutScale
      let result = try cycle.run(progress: labProgress)
      print("Debian \(guest.suite) (\(guest.release)): kdump-tools cycle in \(out)")
      for name in ["doctor-before", "doctor-after"] {
        let report = name == "doctor-before" ? result.doctorBefore : result.doctorAfter
        print("  \(name): exit \(report.exitStatus.map(String.init) ?? "?")")
      }
      print("  dump: \(result.dump.path)")
      for folder in result.pstoreFolders { print("  pstore: \(folder.path)") }
      print(
        String(
          format: "  disk %.1f s, boot to sysrq-c %.1f s, to the dump saved %.1f s, total %.1f s",
          result.diskSeconds, result.bootSeconds, result.captureSeconds, result.totalSeconds))
    } catch {
      throw exitWithLabError(error)
    }
  }
}
