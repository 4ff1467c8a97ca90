/// What `coroner arm` does, decided before anything is done, so `--dry-run` prints
/// exactly what a real run would do: the policy writes, then the capture kernel load.
public struct ArmPlan: Sendable, Equatable {
  /// One write to /proc/sys or /sys/module.
  public struct Write: Sendable, Equatable {
    public var name: String
    public var path: String
    public var from: String
    public var to: String
    public var reason: String
  }

  /// The kexec_file_load call.
  public struct Load: Sendable, Equatable {
    public var kernel: String
    public var initrd: String?
    public var commandLine: String
    /// KEXEC_FILE_ON_CRASH, with KEXEC_FILE_NO_INITRAMFS when there is no initrd.
    public var flags: UInt
  }

  public var writes: [Write]
  /// Knobs the profile names that this kernel does not have.
  public var absent: [String]
  public var load: Load?

  /// What to arm with: a profile (or none, for `custom`), explicit `name=value` settings
  /// that override it, and the capture kernel.
  public struct Request: Sendable, Equatable {
    public var profile: PanicProfile?
    public var settings: [String: String]
    public var kernel: String?
    public var initrd: String?
    public var append: [String]
    public var loadKernel: Bool

    public init(
      profile: PanicProfile?, settings: [String: String] = [:], kernel: String? = nil, initrd: String? = nil,
      append: [String] = [], loadKernel: Bool = true
    ) {
      self.profile = profile
      self.settings = settings
      self.kernel = kernel
      self.initrd = initrd
      self.append = append
      self.loadKernel = loadKernel
    }
  }

  public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
  }

  public init(_ request: Request, state: SystemState) throws(PlanError) {
    writes = []
    absent = []
    for knob in PanicPolicy.knobs {
      guard let want = request.profile.flatMap({ knob.want(in: $0) }), request.settings[knob.name] == nil
      else { continue }
      guard let current = state.root.value(knob.path) else {
        absent.append(knob.name)
        continue
      }
      if !want.accepts(current) {
        writes.append(
          Write(
            name: knob.name, path: knob.path, from: current, to: want.valueToWrite(current: current),
            reason: knob.reason))
      }
    }
    for (name, value) in request.settings.sorted(by: { $0.key < $1.key }) {
      let knob =
        PanicPolicy.knob(named: name)
        ?? PanicKnob(name, item: 0, severity: .advice, production: nil, lab: nil, reason: "")
      guard let current = state.root.value(knob.path) else {
        throw PlanError(description: "\(name): this kernel has no \(knob.path)")
      }
      if current != value {
        writes.append(
          Write(
            name: name, path: knob.path, from: current, to: value,
            reason: knob.reason.isEmpty ? "asked for with --set" : knob.reason))
      }
    }
    writes += Self.postNotifiers(state)
    load = request.loadKernel ? try Self.load(request, state: state) : nil
  }

  /// With a pstore backend, pstore must save the log before kdump jumps (checklist 23).
  static func postNotifiers(_ state: SystemState) -> [Write] {
    let path = ChannelReadiness.postNotifiersPath
    guard ChannelReadiness.pstoreBackend(state.root) != nil, let current = state.root.value(path),
      Want.number(current) != 1
    else { return [] }
    return [
      Write(
        name: "kernel.crash_kexec_post_notifiers", path: path, from: current, to: "Y",
        reason:
          "pstore saves the log before the jump to the capture kernel, so a failed capture still leaves it")
    ]
  }

  static func load(_ request: Request, state: SystemState) throws(PlanError) -> Load {
    let release = state.release.value
    guard let kernel = request.kernel ?? release.map({ "/boot/vmlinuz-\($0)" }) else {
      throw PlanError(description: "no --kernel given and the running release is unknown")
    }
    guard state.root.fileSize(kernel) != nil else {
      throw PlanError(description: "capture kernel \(kernel) does not exist; give one with --kernel")
    }
    var initrd = request.initrd
    if initrd == nil, request.kernel == nil, let release {
      initrd = ["/boot/initrd.img-\(release)", "/boot/initramfs-\(release).img"].first {
        state.root.fileSize($0) != nil
      }
    }
    if let initrd, state.root.fileSize(initrd) == nil {
      throw PlanError(description: "initramfs \(initrd) does not exist")
    }
    guard let running = state.commandLine.value else {
      throw PlanError(description: "cannot read /proc/cmdline to derive the capture command line")
    }
    return Load(
      kernel: kernel, initrd: initrd,
      commandLine: CaptureCommandLine.derive(from: running, append: request.append),
      flags: KexecFileLoad.onCrash | (initrd == nil ? KexecFileLoad.noInitramfs : 0))
  }

  /// Bytes the load puts into the reservation, for the "too large" diagnosis.
  public func imageBytes(_ root: SystemRoot) -> UInt64? {
    guard let load, let kernel = root.fileSize(load.kernel) else { return nil }
    return kernel + (load.initrd.flatMap(root.fileSize) ?? 0)
  }
}

/// Carries out an ArmPlan. The system calls go through `loader`, so tests run the writes
/// against a fixture root without loading anything.
public struct Arming {
  public var root: SystemRoot
  public var loader: any CrashKernelLoader

  public init(root: SystemRoot, loader: any CrashKernelLoader = KexecFileLoader()) {
    self.root = root
    self.loader = loader
  }

  public enum ArmError: Error, CustomStringConvertible {
    case load(KexecLoadError)
    case record(SystemWriteError)

    public var description: String {
      switch self {
      case .load(let error): return "\(error)"
      case .record(let error): return "loaded, but \(error)"
      }
    }
  }

  /// Applies every write, loads the capture kernel and records what was loaded. A write
  /// the kernel refuses does not stop the load: a machine without a hard lockup detector
  /// refuses nmi_watchdog=1 (ENOTSUPP, kernel/watchdog.c) but can still be dumped. The
  /// refused writes are returned.
  @discardableResult
  public func apply(_ plan: ArmPlan) throws(ArmError) -> [SystemWriteError] {
    var refused: [SystemWriteError] = []
    for write in plan.writes {
      do { try root.write(write.to, to: write.path) } catch { refused.append(error) }
    }
    guard let load = plan.load else { return refused }
    do {
      try loader.loadCrashKernel(
        kernel: root.resolve(load.kernel), initrd: load.initrd.map(root.resolve),
        commandLine: load.commandLine)
    } catch {
      throw .load(error.diagnose(root, imageBytes: plan.imageBytes(root)))
    }
    let record = ArmRecord(
      kernel: load.kernel, initrd: load.initrd, commandLine: load.commandLine,
      kernelSize: root.fileSize(load.kernel),
      kernelModified: root.modificationTime(load.kernel), bootID: root.value(ArmRecord.bootIDPath))
    do { try root.createFile(ArmRecord.path, contents: record.text) } catch { throw .record(error) }
    return refused
  }

  /// Unloads the capture kernel and forgets the record.
  public func disarm() throws(KexecLoadError) {
    do { try loader.unloadCrashKernel() } catch { throw error.diagnose(root) }
    root.remove(ArmRecord.path)
  }
}

/// The two system calls of arming, behind a protocol for tests.
public protocol CrashKernelLoader: Sendable {
  func loadCrashKernel(kernel: String, initrd: String?, commandLine: String) throws(KexecLoadError)
  func unloadCrashKernel() throws(KexecLoadError)
}

/// The real one: kexec_file_load(2).
public struct KexecFileLoader: CrashKernelLoader {
  public init() {}

  public func loadCrashKernel(kernel: String, initrd: String?, commandLine: String) throws(KexecLoadError) {
    try KexecFileLoad.loadCrashKernel(kernel: kernel, initrd: initrd, commandLine: commandLine)
  }

  public func unloadCrashKernel() throws(KexecLoadError) {
    try KexecFileLoad.unloadCrashKernel()
  }
}
