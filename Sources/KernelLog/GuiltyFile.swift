/// The source file most likely responsible for a crash, for routing it to
/// maintainers: the first `path/file.c:123` of the report that is not generic
/// infrastructure (sanitizer runtime, allocators, locking, scheduler, entry code).
enum GuiltyFile {
  static let generic = FramePatternList(
    [
      "^lib/", "^mm/kasan/", "^mm/kmsan/", "^mm/kfence/", "^mm/slab.c", "^mm/slub.c", "^mm/slab_common.c",
      "^mm/slab.h", "^mm/util.c", "^mm/vmalloc.c", "^mm/usercopy.c", "^mm/page_alloc.c", "^mm/mempool.c",
      "^kernel/locking/", "^kernel/sched/", "^kernel/rcu/", "^kernel/panic.c", "^kernel/printk/",
      "^kernel/softirq.c", "^kernel/time/", "^kernel/irq/", "^kernel/kthread.c", "^kernel/workqueue.c",
      "^kernel/smp.c", "^kernel/entry/", "^kernel/fork.c", "^kernel/exit.c", "^kernel/task_work.c",
      "^kernel/stacktrace.c", "^kernel/watchdog", "^kernel/hung_task.c", "^kernel/kcov.c",
      "^arch/x86/entry/", "^arch/arm64/kernel/entry", "^arch/x86/kernel/dumpstack", "^arch/x86/mm/fault.c",
      "^arch/arm64/mm/fault.c", "^arch/x86/kernel/unwind", "^arch/arm64/kernel/stacktrace.c",
      "^arch/x86/lib/", "^arch/arm64/lib/", "^arch/x86/include/", "^arch/arm64/include/", "^include/",
      "^net/core/dev.c", "^net/core/sock.c", "^net/core/skbuff.c", "^net/socket.c",
      "^drivers/usb/core/urb.c", "^drivers/base/", "^fs/read_write.c", "^fs/ioctl.c", "^fs/file_table.c",
      "^fs/open.c", "^fs/namei.c", "^fs/sysfs/", "^fs/kernfs/", "^fs/proc/generic.c", "^fs/seq_file.c",
      "^mm/percpu", "^mm/truncate.c", "^mm/filemap.c", "^mm/folio-compat.c", "^fs/fs-writeback.c",
      "^arch/x86/kernel/apic/", "^arch/arm64/kernel/irq.c", "^arch/arm64/kernel/process.c",
      "^arch/x86/kernel/kvm.c", "^arch/x86/kernel/irq", "^kernel/kallsyms.c", "^security/",
      "^arch/x86/kernel/traps.c", "^arch/x86/kvm/x86.c",
      "^net/netlink/af_netlink.c", "^kernel/bpf/syscall.c", "^kernel/sys.c", "^kernel/signal.c",
    ], wholeNames: true)

  /// The first non-generic source file of the trace, from the guilty frame down.
  static func find(frames: [StackFrame], guilty: StackFrame?) -> String? {
    guard let guilty, let start = frames.firstIndex(of: guilty) else { return nil }
    return frames[start...].lazy.compactMap(\.file).first { !generic.matches($0) }
  }

  /// When every file is infrastructure, the guilty frame's own file.
  static func fallback(frames: [StackFrame], guilty: StackFrame?) -> String? {
    guard let guilty, let start = frames.firstIndex(of: guilty) else { return nil }
    return frames[start...].lazy.compactMap(\.file).first
  }

  /// Scans the region lines; lockdep's lock sites (`at:`) and held-lock lines are
  /// not evidence of guilt.
  static func find(in region: [Int], lines: [ConsoleLine]) -> String? {
    var fallback: String?
    for index in region.prefix(400) {
      let text = lines[index].text
      guard text.contains(".c:") || text.contains(".h:") || text.contains(".rs:") || text.contains(".S:")
      else {
        continue
      }
      if text.contains(", at:") || text.contains("#0:") || text.contains(" at: ") { continue }
      for token in text.split(separator: " ") where token.contains(".") && token.contains(":") {
        guard let location = SourceLocation(String(token.trimmingTrailingPunctuation)),
          location.file.contains("/")
        else { continue }
        if !generic.matches(location.file) { return location.file }
        if fallback == nil, location.file.hasPrefix("include/") { fallback = location.file }
      }
    }
    return fallback
  }
}

extension Substring {
  var trimmingTrailingPunctuation: Substring {
    var view = self
    while let last = view.last, last == "!" || last == "," || last == ")" || last == "]" {
      view = view.dropLast()
    }
    return view
  }
}
