/// Where the dump goes: writable, big enough, free of old dumps (checklist items 11-13).
enum DumpTargetReadiness {
  static func findings(_ state: SystemState) -> [Finding] {
    var findings: [Finding] = []
    findings += writable(state)
    findings += space(state)
    findings += leftovers(state)
    findings += debugInfo(state)
    return findings
  }

  /// The closest existing directory at or above the dump directory.
  static func existingAncestor(_ state: SystemState) -> String {
    var path = state.dumpDirectory
    while path != "/" && !state.root.isDirectory(path) {
      path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
      if path.isEmpty { path = "/" }
    }
    return path
  }

  // A read-only mount cannot take a dump.
  static func writable(_ state: SystemState) -> [Finding] {
    guard let mounts = state.root.text("/proc/mounts") else { return [] }
    let entries = mounts.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter {
      $0.count >= 4
    }
    guard
      let mount = entries.filter({ state.dumpDirectory.isInside($0[1]) }).max(by: {
        $0[1].count < $1[1].count
      })
    else { return [] }
    let reading = Reading(path: "/proc/mounts", value: mount.prefix(4).joined(separator: " "))
    guard mount[3].split(separator: ",").contains("ro") else {
      return [
        Finding(
          check: "dump.target", item: 11, severity: nil,
          summary: "\(state.dumpDirectory) is on a writable \(mount[2]) mount",
          readings: [reading])
      ]
    }
    return [
      Finding(
        check: "dump.target", item: 11, severity: .impossible,
        summary: "\(state.dumpDirectory) is on a read-only mount (\(mount[1]))",
        reason: "the capture cannot write its dump there", readings: [reading],
        fixes: [Fix(.command, "mount -o remount,rw \(mount[1])")])
    ]
  }

  // An unfiltered dump is as large as RAM: the target should have that much free.
  static func space(_ state: SystemState) -> [Finding] {
    let directory = existingAncestor(state)
    guard let space = state.root.fileSystemSpace(directory), let ram = state.systemRAM else { return [] }
    let reading = Reading(
      path: directory, value: "\(formatBytes(space.freeBytes)) free of \(formatBytes(space.totalBytes))")
    let ramReading = Reading(path: ram.source, value: formatBytes(ram.bytes))
    guard space.freeBytes < ram.bytes else {
      return [
        Finding(
          check: "dump.space", item: 12, severity: nil,
          summary:
            "\(formatBytes(space.freeBytes)) free for dumps holds an unfiltered dump of \(formatBytes(ram.bytes))",
          readings: [reading, ramReading])
      ]
    }
    return [
      Finding(
        check: "dump.space", item: 12, severity: .impossible,
        summary:
          "\(state.dumpDirectory) has \(formatBytes(space.freeBytes)) free; an unfiltered dump of this machine takes \(formatBytes(ram.bytes))",
        reason: "a dump that runs out of space is truncated; keep at least as much free disk as RAM",
        readings: [reading, ramReading],
        fixes: [
          Fix(
            .command,
            "du -xsh \(directory)/* | sort -h  (to free \(formatBytes(ram.bytes - space.freeBytes)) more)"),
          Fix(
            .command,
            "coroner doctor --dump-dir DIR  (to check a file system with \(formatBytes(ram.bytes)) free)"),
        ])
    ]
  }

  // Dumps nobody collected take the space of the next one.
  static func leftovers(_ state: SystemState) -> [Finding] {
    let entries = state.root.list(state.dumpDirectory).filter { $0 != "kexec_cmd" && !$0.hasPrefix(".") }
    guard !entries.isEmpty else { return [] }
    return [
      Finding(
        check: "dump.leftovers", item: 12, severity: .advice,
        summary: "\(entries.count) earlier crash record(s) sit in \(state.dumpDirectory)",
        reason: "old dumps take the space the next one needs; examine and archive them",
        readings: [Reading(path: state.dumpDirectory, value: entries.prefix(5).joined(separator: " "))],
        fixes: [Fix(.command, "coroner examine \(state.dumpDirectory)/\(entries[0])")])
    ]
  }

  // Symbols for the dump of this kernel.
  static func debugInfo(_ state: SystemState) -> [Finding] {
    guard let release = state.release.value else { return [] }
    let candidates = [
      "/usr/lib/debug/boot/vmlinux-\(release)", "/usr/lib/debug/lib/modules/\(release)/vmlinux",
      "/boot/vmlinux-\(release)", "/lib/modules/\(release)/build/vmlinux", "/boot/System.map-\(release)",
    ]
    // Debian's package ships a placeholder System.map of one line; the real one is larger.
    let found = candidates.first { path in
      state.root.fileSize(path).map { $0 > (path.contains("System.map") ? 4096 : 0) } ?? false
    }
    if let found {
      return [
        Finding(
          check: "dump.symbols", item: 13, severity: nil, summary: "symbols for \(release) are at \(found)",
          readings: [Reading(path: found, value: "present")])
      ]
    }
    return [
      Finding(
        check: "dump.symbols", item: 13, severity: .advice,
        summary: "no vmlinux or System.map for \(release)",
        reason: "a dump is read without debuginfo, but a trace names functions only with a symbol table",
        readings: candidates.prefix(2).map { Reading(path: $0, value: nil) },
        fixes: [Fix(.command, "apt-get install linux-image-\(release)-dbg")])
    ]
  }
}
