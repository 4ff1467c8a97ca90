import Foundation

/// A benchmark in the capture kernel itself: makedumpfile and `coroner capture` take
/// turns on the same /proc/vmcore, each run timed, its dump's size noted and the dump
/// deleted. This is where a capture really runs. There, read(2) of /proc/vmcore maps
/// and unmaps the old kernel's memory one page at a time (read_vmcore ->
/// copy_oldmem_page, which ioremaps a single page on x86: arch/x86/kernel/crash_dump_64.c),
/// while mmap(2) of it maps a whole window at once (fs/proc/vmcore.c, mmap_vmcore,
/// Linux 3.11 and later); a benchmark on a vmcore file sees neither.
public struct CaptureBench: Sendable, Equatable {
  /// One way of capturing: the shell command the capture kernel runs, and the file that
  /// holds its dump afterwards.
  public struct Run: Sendable, Equatable {
    public var name: String
    public var command: String
    public var dump: String
  }

  /// One timed run, as the capture kernel reported it.
  public struct Sample: Sendable, Equatable {
    public var name: String
    public var round: Int
    public var seconds: Double
    public var exitStatus: Int
    public var bytes: UInt64?
  }

  public var rounds: Int
  public var level: Int

  public init(rounds: Int, level: Int = 31) {
    self.rounds = rounds
    self.level = level
  }

  /// Where the capture kernel keeps makedumpfile (its libraries go where the host has them).
  static let makedumpfilePath = "/opt/makedumpfile/makedumpfile"
  /// The host's makedumpfile, copied into the capture kernel's initramfs.
  static var makedumpfile: URL {
    Subprocess.which("makedumpfile") ?? URL(fileURLWithPath: "/usr/sbin/makedumpfile")
  }

  /// The runs of each round, in order: makedumpfile as kdump-tools runs it (-c, mmap), and
  /// with --non-mmap (read(2)); coroner with zlib pages (what makedumpfile reads) and zstd
  /// pages, and zlib with --non-mmap.
  public func runs(coroner: String) -> [Run] {
    let folder = GuestInit.coronerCaptureFolder
    let md = Self.makedumpfilePath
    let capture = { (options: String) in
      "\(coroner) --from /proc/vmcore --to \(folder)/bench --dump-level \(level) \(options)"
    }
    let coronerDump = "\(folder)/bench/\(LabRunner.dumpName)"
    return [
      Run(
        name: "makedumpfile", command: "\(md) -c -d \(level) /proc/vmcore \(folder)/m.kdump",
        dump: "\(folder)/m.kdump"),
      Run(
        name: "makedumpfile-non-mmap",
        command: "\(md) --non-mmap -c -d \(level) /proc/vmcore \(folder)/m.kdump",
        dump: "\(folder)/m.kdump"),
      Run(name: "coroner-zlib", command: capture("--compress zlib"), dump: coronerDump),
      Run(name: "coroner-zstd", command: capture("--compress zstd"), dump: coronerDump),
      Run(name: "coroner-zlib-non-mmap", command: capture("--compress zlib --non-mmap"), dump: coronerDump),
    ]
  }

  /// The shell lines the capture kernel runs before its own capture: every run of every
  /// round (coroner's followed by its crash.json's phase times), round 0 a warm-up that
  /// `summaries` leaves out (under TCG a program's first run also pays for translating
  /// its code), each reported as `bench NAME round R start S end E exit X bytes B` (S and
  /// E from /proc/uptime, in seconds), its output removed before the next. Nothing runs
  /// beside them: the capture kernel has one CPU (nr_cpus=1). Then one untimed run of
  /// makedumpfile and of each coroner codec whose peak memory (`Peak`, polled) is reported
  /// as `bench NAME memory N kB anon A kB exit X`: polling would slow a timed run.
  public func script(coroner: String) -> String {
    let folder = GuestInit.coronerCaptureFolder
    var script = """
      mkdir -p \(folder) && mount -t tmpfs -o size=$(grep '^MemFree:' /proc/meminfo | tr -dc 0-9)k tmpfs \(folder)
      bench() {
        name=$1; round=$2; dump=$3; shift 3
        read start rest < /proc/uptime
        "$@" > /tmp/bench.out 2>&1
        rc=$?
        read end rest < /proc/uptime
        bytes=$(stat -c %s "$dump" 2>/dev/null)
        say "bench $name round $round start $start end $end exit $rc bytes ${bytes:-none}"
        if [ $rc != 0 ]; then cp /tmp/bench.out /tmp/bench-$name.out; tell bench-$name $rc; fi
        [ -f \(folder)/bench/crash.json ] &&
          say "bench $name phases $(grep -o '"milliseconds": {[^}]*}' \(folder)/bench/crash.json)"
        rm -rf \(folder)/bench \(folder)/m.kdump
      }
      memory() {
        name=$1; shift
        "$@" > /tmp/bench.out 2>&1 &
        pid=$!; peak=; anon=0
        while [ -e /proc/$pid/status ] && ! grep -q '^State:.*Z' /proc/$pid/status; do
          p=$(grep VmHWM /proc/$pid/status 2>/dev/null); [ -n "$p" ] && peak=$p
          a=$(grep RssAnon /proc/$pid/status 2>/dev/null | tr -dc 0-9)
          [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
          sleep 0.1
        done
        wait $pid
        rc=$?
        say "bench $name memory $(echo $peak | tr -dc 0-9) kB anon $anon kB exit $rc"
        rm -rf \(folder)/bench \(folder)/m.kdump
      }

      """
    let runs = runs(coroner: coroner)
    for round in 0...max(1, rounds) {
      for run in runs {
        script += "bench \(run.name) \(round) \(run.dump) \(run.command)\n"
      }
    }
    for run in runs where !run.name.hasSuffix("non-mmap") {
      script += "memory \(run.name) \(run.command)\n"
    }
    return script + "umount \(folder)\n"
  }

  /// What follows `coroner-lab: bench ` on each console line that has it (the kernel's
  /// `[ time]` prefix before it; lines end in CR LF, split on any newline).
  static func benchLines(in console: String) -> [Substring] {
    console.split(whereSeparator: \.isNewline).compactMap { line in
      line.range(of: "coroner-lab: bench ").map { line[$0.upperBound...] }
    }
  }

  /// The samples in a console log, in the order they ran.
  public static func samples(in console: String) -> [Sample] {
    var samples: [Sample] = []
    for line in benchLines(in: console) {
      let words = line.split(separator: " ").map(String.init)
      guard words.count >= 11, words[1] == "round", words[3] == "start", words[5] == "end",
        words[7] == "exit", words[9] == "bytes", let round = Int(words[2]),
        let start = Double(words[4]), let end = Double(words[6]), let status = Int(words[8])
      else { continue }
      samples.append(
        Sample(
          name: words[0], round: round, seconds: end - start, exitStatus: status, bytes: UInt64(words[10])))
    }
    return samples
  }

  /// Per coroner run, in the order they first appear: the median milliseconds of each
  /// phase its crash.json gives (open, log, filter, dump, checksum), warm-up included
  /// (the lines carry no round).
  public static func phases(in console: String) -> [(name: String, milliseconds: [(String, Int)])] {
    var order: [String] = []
    var seen: [String: [String: [Int]]] = [:]
    var phaseOrder: [String: [String]] = [:]
    for line in benchLines(in: console) {
      let words = line.split(separator: " ", maxSplits: 2).map(String.init)
      guard words.count == 3, words[1] == "phases", let open = words[2].firstIndex(of: "{") else { continue }
      let name = words[0]
      if seen[name] == nil {
        order.append(name)
        seen[name] = [:]
      }
      for pair in words[2][words[2].index(after: open)...].split(separator: ",") {
        let parts = pair.split(separator: ":").map {
          $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"}"))
        }
        guard parts.count == 2, let value = Int(parts[1]) else { continue }
        if seen[name]?[parts[0]] == nil { phaseOrder[name, default: []].append(parts[0]) }
        seen[name]?[parts[0], default: []].append(value)
      }
    }
    return order.map { name in
      (
        name,
        (phaseOrder[name] ?? []).compactMap { phase in median(seen[name]?[phase] ?? []).map { (phase, $0) } }
      )
    }
  }

  /// Per run: the median time and size of its runs that succeeded, and how many failed,
  /// in the order the runs first appear; the warm-up round (0) is left out.
  public struct Summary: Sendable, Equatable {
    public var name: String
    public var medianSeconds: Double?
    public var medianBytes: UInt64?
    public var runs: Int
    public var failures: Int
    /// Peak memory of the untimed run.
    public var peak: Peak?
  }

  /// A run's peak memory in KiB: resident (VmHWM: the pages of its binary and libraries
  /// included, which a capture kernel's initramfs holds in memory anyway) and the most
  /// anonymous memory seen (RssAnon, polled every 0.1 s: what the run itself allocated).
  public struct Peak: Sendable, Equatable {
    public var resident: Int
    public var anonymous: Int
  }

  /// Per run, its peak memory (`bench NAME memory N kB anon A kB exit 0`).
  public static func peaks(in console: String) -> [String: Peak] {
    var peaks: [String: Peak] = [:]
    for line in benchLines(in: console) {
      let words = line.split(separator: " ").map(String.init)
      guard words.count >= 9, words[1] == "memory", words[3] == "kB", words[4] == "anon", words[6] == "kB",
        words[7] == "exit", words[8] == "0", let resident = Int(words[2]), let anonymous = Int(words[5])
      else { continue }
      peaks[words[0]] = Peak(resident: resident, anonymous: anonymous)
    }
    return peaks
  }

  public static func summaries(_ samples: [Sample], peaks: [String: Peak] = [:]) -> [Summary] {
    var names: [String] = []
    for sample in samples where !names.contains(sample.name) { names.append(sample.name) }
    return names.map { name in
      let mine = samples.filter { $0.name == name && $0.round > 0 }
      let good = mine.filter { $0.exitStatus == 0 }
      return Summary(
        name: name, medianSeconds: median(good.map(\.seconds)), medianBytes: median(good.compactMap(\.bytes)),
        runs: mine.count, failures: mine.count - good.count, peak: peaks[name])
    }
  }

  static func median<T: Comparable>(_ values: [T]) -> T? {
    let sorted = values.sorted()
    return sorted.isEmpty ? nil : sorted[(sorted.count - 1) / 2]
  }

  /// The table `lab run --bench-capture` prints: each run's median time and size, and
  /// against makedumpfile (the first run): its time divided by this one's (speed-up) and
  /// this size divided by its size.
  public static func table(_ summaries: [Summary]) -> [String] {
    let reference = summaries.first { $0.name == "makedumpfile" }
    var lines = [
      "run                      median s   dump bytes   speed vs makedumpfile   size vs it   failed   peak KiB (anon)"
    ]
    for summary in summaries {
      let seconds = summary.medianSeconds.map { String(format: "%8.2f", $0) } ?? "       -"
      let bytes = summary.medianBytes.map { String($0) } ?? "-"
      var speed = "-"
      var size = "-"
      if let reference, let base = reference.medianSeconds, let mine = summary.medianSeconds, mine > 0 {
        speed = String(format: "%.2fx", base / mine)
      }
      if let reference, let base = reference.medianBytes, let mine = summary.medianBytes, base > 0 {
        size = String(format: "%.3fx", Double(mine) / Double(base))
      }
      lines.append(
        summary.name.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + seconds + "   "
          + bytes.leftPadded(10) + "   " + speed.leftPadded(21) + "   " + size.leftPadded(10) + "   "
          + "\(summary.failures)/\(summary.runs)".leftPadded(6) + "   "
          + (summary.peak.map { "\($0.resident) (\($0.anonymous))" } ?? "-").leftPadded(15))
    }
    return lines
  }
}

extension String {
  fileprivate func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
