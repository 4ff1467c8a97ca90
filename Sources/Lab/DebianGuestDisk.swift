import Foundation

/// One run's disk of the Debian guest: a copy of the cached root with Coroner's packages
/// installed by dpkg, the lab's driver units added, written into an ext4 image by
/// `mkfs.ext4 -d` (no loop device, no mount). The kernel and initrd QEMU boots are the
/// root's own, copied out beside the image.
public struct DebianGuestDisk: Sendable {
  public var image: URL
  public var kernel: URL
  public var initrd: URL
  /// Host wall-clock seconds the copy, the install and mkfs took.
  public var seconds: Double

  /// The guest's files the lab writes, by path in the guest, and the units it enables.
  public struct Files: Sendable {
    public var files: [(path: String, mode: Int, text: String)]
    public var enabledUnits: [String]
  }

  /// Makes the disk in `work` from `guest`, with `debs` installed in the order given and
  /// `freeMiB` left free (`coroner doctor` wants as much free room for dumps as the guest
  /// has RAM).
  public static func make(
    from guest: DebianGuestRoot, debs: [URL], files: Files, freeMiB: Int, in work: URL,
    progress: (String) -> Void = { _ in }
  ) throws -> DebianGuestDisk {
    let fm = FileManager.default
    let start = Date()
    let root = work.appendingPathComponent("root")
    try? fm.removeItem(at: root)
    progress("copying the guest root")
    // cp -a keeps owners, modes, device nodes and links, which mkfs.ext4 -d then records.
    try Subprocess.run(["cp", "-a", guest.root, root.path])
    defer { try? fm.removeItem(at: root) }

    let staged = debs.map { "/tmp/" + $0.lastPathComponent }
    for (deb, path) in zip(debs, staged) {
      try Subprocess.run(["cp", deb.path, root.path + path])
    }
    if !debs.isEmpty {
      progress("installing \(debs.map(\.lastPathComponent).joined(separator: " ")) with dpkg")
      try Subprocess.run(["chroot", root.path, "dpkg", "-i"] + staged)
      for path in staged { try? fm.removeItem(atPath: root.path + path) }
    }
    for file in files.files {
      let url = URL(fileURLWithPath: root.path + file.path)
      try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(file.text.utf8).write(to: url)
      try fm.setAttributes([.posixPermissions: file.mode], ofItemAtPath: url.path)
    }
    if !files.enabledUnits.isEmpty {
      // systemctl works offline in a chroot: it only writes the [Install] links.
      try Subprocess.run(["chroot", root.path, "systemctl", "enable"] + files.enabledUnits)
    }

    let kernel = work.appendingPathComponent("vmlinuz")
    let initrd = work.appendingPathComponent("initrd.img")
    for (from, to) in [(guest.kernelImage, kernel), (guest.initrd, initrd)] {
      try? fm.removeItem(at: to)
      try fm.copyItem(atPath: from.replacingOccurrences(of: guest.root, with: root.path), toPath: to.path)
    }
    let image = work.appendingPathComponent("root.ext4")
    try? fm.removeItem(at: image)
    progress("writing the ext4 image")
    let used = try usedMiB(root)
    // The file is sparse: the free room costs nothing until the guest writes to it.
    try Subprocess.run([
      "nice", "-n", "10", "mkfs.ext4", "-q", "-L", "coroner-guest", "-d", root.path, image.path,
      "\(used + freeMiB)M",
    ])
    let seconds = (Date().timeIntervalSince(start) * 100).rounded() / 100
    return DebianGuestDisk(image: image, kernel: kernel, initrd: initrd, seconds: seconds)
  }

  /// The folder's size in MiB, as `du` counts it.
  static func usedMiB(_ folder: URL) throws -> Int {
    let output = try Subprocess.run(["du", "-sm", folder.path])
    guard let size = Int(output.prefix { $0.isNumber }) else {
      throw LabError.commandFailed(command: ["du", "-sm", folder.path], status: 0, output: output)
    }
    return size
  }

  /// Copies `paths` (folders or files of the guest) out of `image` into `folder` with
  /// debugfs's rdump, which reads the file system without mounting it.
  public static func extract(_ paths: [String], from image: URL, into folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let request = "rdump \(paths.joined(separator: " ")) \(folder.path)"
    let output = try Subprocess.run(["debugfs", "-R", request, image.path])
    // debugfs exits 0 even when a path is missing; it says so instead.
    if let problem = output.split(separator: "\n").first(where: { $0.contains("File not found") }) {
      throw LabError.missingInput(
        path: image.path + ":" + paths.joined(separator: ","), expected: String(problem))
    }
  }
}
