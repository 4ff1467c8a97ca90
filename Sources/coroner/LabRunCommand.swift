import ArgumentParser
import Foundation
import Lab

struct LabRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Boot a kernel, detonate SCENARIO, capture the scene into --out.",
    discussion: """
      Leaves console.log (the whole serial console), vmcore and scene.json in the output \
      folder. Exits non-zero with the console's last lines when the guest does not crash \
      or capture in time.
      """)

  @Argument(help: "The scenario (see `coroner lab list`).")
  var scenario: String

  @Option(
    help: "Debian kernel: 5.10, 6.1, 6.12, sid, or 6.12-buddy (built by `lab setup --kernel 6.12-buddy`).")
  var kernel = "6.1"

  @Option(
    help:
      "kdump (in-guest, raw copy of /proc/vmcore), kdump-coroner (in-guest, the capture kernel runs `coroner capture`), qemu-elf, qemu-kdump, or pstore (ramoops, a reset, then `coroner pstore` in the next boot)."
  )
  var capture = "kdump"

  @Option(help: "Memory reserved for the capture kernel, in MiB (default: 256, 160 for kdump-coroner).")
  var crashkernel: Int?

  @Option(help: "Guest memory in MiB (default: 768).")
  var memory: Int?

  @Option(help: "Output folder.")
  var out: String

  @Option(
    name: .customLong("arm-with"),
    help:
      "With kdump: kexec-tools, or coroner (a release build of this checkout runs `coroner arm` in the guest, with `coroner doctor` before and after)."
  )
  var armWith = "kexec-tools"

  @Flag(
    name: .customLong("save-doctor-tree"),
    help: "With --arm-with coroner: save what the first `coroner doctor` read into OUT/doctor-tree.")
  var saveDoctorTree = false

  @Option(
    name: .customLong("bench-capture"),
    help: ArgumentHelp(
      "With kdump-coroner: first time makedumpfile and coroner capture ROUNDS times each on /proc/vmcore in the capture kernel, and print their medians.",
      valueName: "rounds"))
  var benchRounds: Int?

  @Option(
    name: .customLong("bench-capture-level"),
    help: ArgumentHelp(
      "With --bench-capture: the dump level both tools capture at (31: kernel pages; 1: all but zero pages).",
      valueName: "level"))
  var benchLevel = 31

  @Option(help: "Boot this bzImage instead of a Debian kernel (with --kernel-build).")
  var kernelImage: String?

  @Option(help: "The build tree of --kernel-image, for its modules and headers.")
  var kernelBuild: String?

  @Option(help: "tcg or kvm (default: what setup found working).")
  var accel: String?

  @Option(help: "Multiply every timeout by this factor.")
  var timeoutScale = 1.0

  @Flag(help: "Print scene.json to standard output instead of a summary.")
  var json = false

  func validate() throws {
    if (kernelImage == nil) != (kernelBuild == nil) {
      throw ValidationError("--kernel-image and --kernel-build go together")
    }
    guard ["kexec-tools", "coroner"].contains(armWith) else {
      throw ValidationError("--arm-with: kexec-tools or coroner")
    }
    guard (0...31).contains(benchLevel) else {
      throw ValidationError("--bench-capture-level \(benchLevel): a dump level is 0 to 31")
    }
    if armWith == "coroner" && !["kdump", "kdump-coroner", "pstore"].contains(capture) {
      throw ValidationError("--arm-with coroner arms kdump: use it with --capture kdump or kdump-coroner")
    }
    if let benchRounds, benchRounds < 1 || benchRounds > 20 || capture != "kdump-coroner" {
      throw ValidationError("--bench-capture: 1 to 20 rounds, with --capture kdump-coroner")
    }
    if saveDoctorTree && armWith != "coroner" {
      throw ValidationError("--save-doctor-tree needs --arm-with coroner")
    }
  }

  func run() throws {
    do {
      let cache = LabCache()
      let tree: KernelTree
      if let kernelImage, let kernelBuild {
        tree = try KernelTree.custom(image: kernelImage, buildDir: kernelBuild)
      } else {
        tree = try cache.kernel(try parseKernel(kernel))
      }
      if capture == "pstore" {
        try runPstore(tree: tree, cache: cache)
        return
      }
      guard let method = CaptureMethod(rawValue: capture) else {
        throw LabError.unknownName(
          kind: "capture method", name: capture, known: CaptureMethod.allCases.map(\.rawValue))
      }
      let accelerator = try accelerator(cache)
      var guestCoroner: GuestCoroner?
      var captureCoroner: GuestCoroner?
      if armWith == "coroner" { guestCoroner = try buildGuestCoroner() }
      if method == .kdumpCoroner { captureCoroner = try buildGuestCoroner(product: .capture) }
      var request = LabRunRequest(
        scenario: try ScenarioCatalogue.named(scenario), kernel: tree, capture: method,
        out: URL(fileURLWithPath: out), accelerator: accelerator, memoryMiB: memory,
        // makedumpfile beside coroner in the capture kernel: Debian's default reservation.
        crashKernelMiB: crashkernel ?? (benchRounds == nil ? nil : 256),
        timeoutScale: timeoutScale, guestCoroner: guestCoroner)
      request.saveDoctorTree = saveDoctorTree
      request.captureCoroner = captureCoroner
      request.captureBench = benchRounds.map { CaptureBench(rounds: $0, level: benchLevel) }
      let scene = try LabRunner(cache: cache).run(request, progress: labProgress)
      if benchRounds != nil { try printCaptureBench(folder: URL(fileURLWithPath: out)) }
      if guestCoroner != nil {
        try printGuestReports(folder: URL(fileURLWithPath: out))
      }
      if json {
        let data = try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("scene.json"))
        print(String(decoding: data, as: UTF8.self))
        return
      }
      let t = scene.timings
      print("\(scene.scenario) on \(scene.kernel.release) captured with \(scene.capture.rawValue) in \(out)")
      print(
        String(
          format: "  boot %.1f s, detect %.1f s, capture %.1f s, total %.1f s", t.bootSeconds,
          t.detectSeconds, t.captureSeconds, t.totalSeconds))
      if let raw = scene.rawVmcoreBytes, method == .kdumpCoroner {
        print(
          "  console.log, \(scene.vmcore) (\(scene.vmcoreBytes) bytes, /proc/vmcore \(raw) bytes), scene.json"
        )
      } else {
        print("  console.log, \(scene.vmcore) (\(scene.vmcoreBytes) bytes), scene.json")
      }
    } catch {
      throw exitWithLabError(error)
    }
  }

  /// The capture kernel's benchmark, read back from the console.
  func printCaptureBench(folder: URL) throws {
    let console = String(
      decoding: try Data(contentsOf: folder.appendingPathComponent("console.log")), as: UTF8.self)
    let samples = CaptureBench.samples(in: console)
    guard !samples.isEmpty else {
      throw LabError.captureFailed(
        method: "kdump-coroner", reason: "the capture kernel reported no benchmark run", consoleTail: "")
    }
    print("capture benchmark in the capture kernel (\(samples.count) runs, /proc/vmcore, one CPU):")
    let summaries = CaptureBench.summaries(samples, peaks: CaptureBench.peaks(in: console))
    for line in CaptureBench.table(summaries) { print("  " + line) }
    for (name, phases) in CaptureBench.phases(in: console) {
      print("  \(name) phases, median ms: " + phases.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
    }
  }

  func accelerator(_ cache: LabCache) throws -> Accelerator {
    let accelName = accel ?? cache.host()?.accelerator ?? "tcg"
    guard let accelerator = Accelerator(rawValue: accelName) else {
      throw LabError.unknownName(
        kind: "accelerator", name: accelName, known: Accelerator.allCases.map(\.rawValue))
    }
    return accelerator
  }

  /// The pstore round trip: no kdump; the log survives in ramoops over a reset.
  func runPstore(tree: KernelTree, cache: LabCache) throws {
    var trip = PstoreRoundTrip(
      scenario: try ScenarioCatalogue.named(scenario), kernel: tree, coroner: try buildGuestCoroner(),
      out: URL(fileURLWithPath: out))
    trip.accelerator = try accelerator(cache)
    trip.timeoutScale = timeoutScale
    trip.cache = cache
    let result = try trip.run(progress: labProgress)
    print("\(scenario) on \(tree.release): pstore round trip in \(out) (\(result.seconds) s)")
    for line in result.harvest.lines { print("  \(line)") }
    print("  console.log, pstore-dmesg.txt (\(result.recoveredLog.utf8.count) bytes)")
  }
}

/// The guest's `coroner` (or the capture kernel's `coroner-capture`): a release build of
/// the checkout this binary was built from.
func buildGuestCoroner(product: GuestCoroner.Product = .coroner) throws -> GuestCoroner {
  labProgress("building \(product.rawValue) for the guest (release, static Swift runtime)")
  let coroner = try GuestCoroner.buildFromCheckout(product: product)
  labProgress(String(format: "guest coroner ready in %.1f s: %@", coroner.buildSeconds, coroner.binary.path))
  return coroner
}

/// The verdicts `coroner doctor` and `coroner arm` gave inside the guest.
func printGuestReports(folder: URL) throws {
  let console = try String(contentsOf: folder.appendingPathComponent("console.log"), encoding: .utf8)
  for name in ["doctor-before", "arm", "doctor-after"] {
    guard let report = GuestReport.find(name, in: console) else {
      print("  \(name): did not run")
      continue
    }
    let verdict = report.lines.last {
      $0.hasPrefix("ready") || $0.hasPrefix("not ready") || $0.hasPrefix("armed")
    }
    print("  \(name): exit \(report.exitStatus.map(String.init) ?? "?")\(verdict.map { ", \($0)" } ?? "")")
  }
}
