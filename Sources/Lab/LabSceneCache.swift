import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A lab scene kept for reuse: the folder `lab run` wrote and its scene.json.
public struct CachedScene: Sendable {
  public var folder: URL
  public var scene: Scene
  /// False when this call booted the guest, true when an earlier run's scene was reused.
  public var reused: Bool

  public var vmcore: URL { folder.appendingPathComponent(scene.vmcore) }
  public var console: URL { folder.appendingPathComponent(scene.console) }
}

/// What of an in-guest kdump vmcore a scene keeps.
public enum SceneDump: String, Sendable {
  /// The capture as the capture kernel saved /proc/vmcore (hundreds of MB).
  case whole
  /// `makedumpfile -E -d 31`: an ELF vmcore of the kernel's own pages (tens of MB),
  /// which vmcore-dmesg, the notes and the log reader still read. QEMU captures are
  /// kept whole: makedumpfile does not read them.
  case filtered
}

/// Lab scenes made once and reused: `scene(scenario:kernel:capture:)` runs `lab run`
/// into `LAB_CACHE/scenes/KERNEL-SCENARIO-CAPTURE/` the first time and returns that
/// folder afterwards, so tests of several targets (and several processes) share one
/// boot per scene. One scene per key: a stale one (another kernel release, or a
/// filtered dump when the whole one is asked for) is replaced, never kept beside.
public struct LabSceneCache: Sendable {
  public var cache: LabCache
  public var timeoutScale: Double

  public init(cache: LabCache = LabCache(), timeoutScale: Double = 2) {
    self.cache = cache
    self.timeoutScale = timeoutScale
  }

  public var root: URL { cache.root.appendingPathComponent("scenes") }

  public static func key(scenario: String, kernel: DebianKernel, capture: CaptureMethod) -> String {
    "\(kernel.rawValue)-\(scenario)-\(capture.rawValue)"
  }

  /// What a scene keeps unless asked otherwise: the `panic` scenes are the dump
  /// readers' reference captures (vmcore-dmesg and makedumpfile compare whole
  /// /proc/vmcore copies), every other scene keeps what the log and registers need.
  /// One policy for every caller, so no caller's request replaces another's scene.
  public static func defaultDump(scenario: String) -> SceneDump {
    scenario == "panic" ? .whole : .filtered
  }

  /// Serializes scene making within the process; the lock file does it across processes.
  private static let processLock = NSLock()

  /// The scene, made now if no usable one is cached. Sets the lab up first when the
  /// kernel is not unpacked yet (idempotent).
  public func scene(
    scenario name: String, kernel: DebianKernel, capture: CaptureMethod, dump: SceneDump? = nil,
    progress: (String) -> Void = { _ in }
  ) throws -> CachedScene {
    let dump = dump ?? Self.defaultDump(scenario: name)
    let key = Self.key(scenario: name, kernel: kernel, capture: capture)
    let folder = root.appendingPathComponent(key)
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    Self.processLock.lock()
    defer { Self.processLock.unlock() }
    let lock = try FileLock(path: root.appendingPathComponent(key + ".lock").path)
    defer { lock.unlock() }

    let tree = try kernelTree(kernel, progress: progress)
    if let scene = Self.usable(folder: folder, release: tree.release, dump: dump) {
      return CachedScene(folder: folder, scene: scene, reused: true)
    }
    let partial = root.appendingPathComponent(".\(key).partial-\(getpid())")
    try? FileManager.default.removeItem(at: partial)
    defer { try? FileManager.default.removeItem(at: partial) }
    let accelerator = cache.host().flatMap { Accelerator(rawValue: $0.accelerator) } ?? .tcg
    var request = LabRunRequest(
      scenario: try ScenarioCatalogue.named(name), kernel: tree, capture: capture, out: partial,
      accelerator: accelerator, timeoutScale: timeoutScale)
    if capture == .kdumpCoroner {
      // The capture kernel runs coroner's capture binary: the guest build of this checkout.
      request.captureCoroner = try GuestCoroner.buildFromCheckout(product: .capture)
    }
    var scene = try LabRunner(cache: cache).run(request, progress: progress)
    if dump == .filtered, capture == .kdump {
      scene = try Self.filter(scene, in: partial)
    }
    try? FileManager.default.removeItem(at: folder)
    do {
      try FileManager.default.moveItem(at: partial, to: folder)
    } catch {
      throw LabError.io(path: folder.path, reason: "cannot keep the scene: \(error.localizedDescription)")
    }
    return CachedScene(folder: folder, scene: scene, reused: false)
  }

  /// Keeps a scene another caller ran (LabTests' own boots) when the cache has no
  /// usable one for its key, so later tests need not boot again; returns whether it
  /// was kept (moved into the cache). The folder must hold only that run's files.
  @discardableResult
  public func adopt(folder run: URL, scene: Scene, dump: SceneDump? = nil) throws -> Bool {
    let dump = dump ?? Self.defaultDump(scenario: scene.scenario)
    guard let kernel = DebianKernel(rawValue: scene.kernel.label) else { return false }
    let key = Self.key(scenario: scene.scenario, kernel: kernel, capture: scene.capture)
    let folder = root.appendingPathComponent(key)
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    Self.processLock.lock()
    defer { Self.processLock.unlock() }
    let lock = try FileLock(path: root.appendingPathComponent(key + ".lock").path)
    defer { lock.unlock() }
    if Self.usable(folder: folder, release: scene.kernel.release, dump: dump) != nil { return false }
    if dump == .filtered, scene.capture == .kdump, scene.vmcoreFilter == nil {
      _ = try Self.filter(scene, in: run)
    }
    try? FileManager.default.removeItem(at: folder)
    do {
      try FileManager.default.moveItem(at: run, to: folder)
    } catch {
      throw LabError.io(path: folder.path, reason: "cannot keep the scene: \(error.localizedDescription)")
    }
    return true
  }

  func kernelTree(_ kernel: DebianKernel, progress: (String) -> Void) throws -> KernelTree {
    if let tree = try? cache.kernel(kernel) { return tree }
    let report = try cache.setup(kernels: [kernel], progress: progress)
    guard let tree = report.kernels.first(where: { $0.kernel == kernel })?.tree else {
      throw LabError.missingInput(path: cache.root.path, expected: "kernel \(kernel.rawValue) after setup")
    }
    return tree
  }

  /// A cached scene of this kernel release whose files are whole.
  static func usable(folder: URL, release: String, dump: SceneDump) -> Scene? {
    guard let data = try? Data(contentsOf: folder.appendingPathComponent("scene.json")),
      let scene = try? JSONDecoder().decode(Scene.self, from: data),
      scene.kernel.release == release,
      dump == .filtered || scene.vmcoreFilter == nil,
      let attributes = try? FileManager.default.attributesOfItem(
        atPath: folder.appendingPathComponent(scene.vmcore).path),
      (attributes[.size] as? NSNumber)?.uint64Value == scene.vmcoreBytes,
      FileManager.default.fileExists(atPath: folder.appendingPathComponent(scene.console).path),
      scene.capture != .qemuPaging
        || FileManager.default.fileExists(
          atPath: folder.appendingPathComponent(CaptureMethod.physicalCompanion).path)
    else { return nil }
    return scene
  }

  /// Replaces the vmcore by `makedumpfile -E -d 31` of it.
  static func filter(_ scene: Scene, in folder: URL) throws -> Scene {
    let vmcore = folder.appendingPathComponent(scene.vmcore)
    let filtered = folder.appendingPathComponent(scene.vmcore + ".d31")
    try Subprocess.run(["makedumpfile", "-E", "-d", "31", vmcore.path, filtered.path])
    let fm = FileManager.default
    do {
      try fm.removeItem(at: vmcore)
      try fm.moveItem(at: filtered, to: vmcore)
    } catch {
      throw LabError.io(
        path: vmcore.path, reason: "cannot replace by its filtered copy: \(error.localizedDescription)")
    }
    var scene = scene
    scene.vmcoreFilter = "makedumpfile -E -d 31"
    let size = (try? fm.attributesOfItem(atPath: vmcore.path)[.size] as? NSNumber)?.uint64Value
    scene.vmcoreBytes = size ?? 0
    try scene.write(to: folder)
    return scene
  }

  /// Bytes the cached scenes take on disk.
  public func diskUsage() -> UInt64 {
    guard
      let walker = FileManager.default.enumerator(
        at: root, includingPropertiesForKeys: [.totalFileAllocatedSizeKey])
    else { return 0 }
    var total: UInt64 = 0
    for case let url as URL in walker {
      total += UInt64(
        (try? url.resourceValues(forKeys: [.totalFileAllocatedSizeKey]))?.totalFileAllocatedSize ?? 0)
    }
    return total
  }
}

/// An exclusive flock(2) on a lock file: held by one process at a time, released
/// by the kernel if the holder dies.
struct FileLock {
  let descriptor: Int32

  init(path: String) throws {
    descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw LabError.io(path: path, reason: "cannot open the lock file: " + String(cString: strerror(errno)))
    }
    while flock(descriptor, LOCK_EX) != 0 {
      guard errno == EINTR else {
        let reason = String(cString: strerror(errno))
        close(descriptor)
        throw LabError.io(path: path, reason: "cannot lock: \(reason)")
      }
    }
  }

  func unlock() {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}
