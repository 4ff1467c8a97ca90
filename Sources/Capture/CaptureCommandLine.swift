/// The command line of the capture kernel, derived from the running one: what a capture
/// kernel must have, minus what would break it or waste its little memory.
/// Documentation/admin-guide/kdump/kdump.rst ("Boot into System Kernel", the recommended
/// `irqpoll nr_cpus=1 reset_devices`) and the removal lists of kdump-tools and kdump-utils.
public enum CaptureCommandLine {
  /// Always added: reset devices the dead kernel left mid-DMA, poll for interrupts whose
  /// routing the dead kernel owned, and bring up one CPU only (the reservation is small).
  public static let required = ["irqpoll", "nr_cpus=1", "reset_devices"]

  /// Parameters dropped from the running command line, by name (before any `=`), each
  /// with why.
  public static let removed: [(name: String, reason: String)] = [
    ("crashkernel", "a capture kernel reserves nothing for another one"),
    ("BOOT_IMAGE", "the boot loader's note about the first kernel's file"),
    ("initrd", "the capture initramfs is given to kexec_file_load, not named"),
    ("hugepages", "huge pages would take most of the small reservation"),
    ("hugepagesz", "see hugepages"),
    ("default_hugepagesz", "see hugepages"),
    ("hugetlb_cma", "CMA areas do not fit in the reservation"),
    ("cma", "CMA areas do not fit in the reservation"),
    ("isolcpus", "the capture kernel runs on one CPU"),
    ("nohz_full", "the capture kernel runs on one CPU"),
    ("rcu_nocbs", "the capture kernel runs on one CPU"),
    ("maxcpus", "replaced by nr_cpus=1"),
    ("nr_cpus", "replaced by nr_cpus=1"),
    ("irqpoll", "added once"),
    ("reset_devices", "added once"),
    ("quiet", "the capture kernel's own messages explain a failed capture"),
    ("log_buf_len", "a large log buffer takes reserved memory"),
    ("slub_debug", "debugging allocators take reserved memory"),
    ("kfence.sample_interval", "debugging allocators take reserved memory"),
    ("memmap", "the first kernel's memory map does not apply to the reservation"),
    ("mem", "the capture kernel's memory is the reservation"),
  ]

  /// The capture command line for a running one: `running` with its init arguments
  /// (after `--`) and the removed parameters gone, then `required`, then `append`.
  public static func derive(from running: String, append: [String] = []) -> String {
    let words = running.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
    let kernelWords = words.prefix { $0 != "--" }
    let kept = kernelWords.filter { word in
      let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
      return !removed.contains { $0.name == name }
    }
    var result: [String] = []
    for word in kept + required + append.flatMap({ $0.split(separator: " ").map(String.init) })
    where !result.contains(word) {
      result.append(word)
    }
    return result.joined(separator: " ")
  }

  /// What a loaded capture command line lacks or wrongly carries (checklist item 9).
  public static func problems(in commandLine: String) -> [String] {
    let words = Set(commandLine.split(separator: " ").map(String.init))
    var problems: [String] = []
    if !words.contains("reset_devices") { problems.append("no reset_devices") }
    if !words.contains("irqpoll") && !words.contains("nr_cpus=1") {
      problems.append("neither irqpoll nor nr_cpus=1")
    }
    for word in words
    where word.hasPrefix("crashkernel=") || word.hasPrefix("hugepages=") || word.hasPrefix("isolcpus=") {
      problems.append("carries \(word)")
    }
    return problems.sorted()
  }
}
