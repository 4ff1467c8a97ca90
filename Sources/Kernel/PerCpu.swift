/// Per-CPU data (include/asm-generic/percpu.h): a per-CPU variable's symbol is its
/// offset in the per-CPU section, and CPU n's copy lies at that offset plus
/// `__per_cpu_offset[n]`. The CPUs are those below `nr_cpu_ids` set in
/// `__cpu_online_mask`.
public struct PerCpu: Sendable {
  /// `__per_cpu_offset[cpu]` for every CPU below `nr_cpu_ids`.
  public let offsets: [UInt64]
  /// The online CPUs, ascending.
  public let online: [Int]

  /// NR_CPUS tops out at 8192 on x86_64 (arch/x86/Kconfig MAXSMP).
  static let maximumCpus: UInt32 = 8192

  public init(image: KernelImage) throws {
    let count = try image.memory.u32(try image.global("nr_cpu_ids"))
    guard count >= 1, count <= Self.maximumCpus else {
      throw KernelError("nr_cpu_ids", expected: "a CPU count from 1 to \(Self.maximumCpus), found \(count)")
    }
    let table = try image.memory.read(try image.global("__per_cpu_offset"), count: 8 * Int(count))
    offsets = (0..<Int(count)).map { table.word(8 * $0) ?? 0 }
    if let mask = image.optionalGlobal("__cpu_online_mask"),
      let bits = try? image.memory.read(mask, count: (Int(count) + 63) / 64 * 8)
    {
      online = (0..<Int(count)).filter { bits[$0 / 8] & (1 << ($0 % 8)) != 0 }
    } else {
      online = Array(0..<Int(count))
    }
  }

  /// CPU `cpu`'s copy of the per-CPU variable at section offset `variable`.
  public func address(_ variable: UInt64, cpu: Int) -> UInt64? {
    guard cpu >= 0, cpu < offsets.count else { return nil }
    return variable &+ offsets[cpu]
  }
}

/// What each CPU's runqueue (kernel/sched/sched.h `struct rq`) says: the task it ran
/// (`curr`) and its idle task (`idle`, "swapper/N").
public struct RunQueue: Sendable, Equatable {
  public var cpu: Int
  public var current: UInt64
  public var idle: UInt64

  public static func read(image: KernelImage, perCpu: PerCpu) throws -> [RunQueue] {
    let runqueues = try image.global("runqueues")
    let curr = UInt64(try image.offset("rq.curr"))
    let idle = UInt64(try image.offset("rq.idle"))
    return perCpu.online.compactMap { cpu in
      guard let rq = perCpu.address(runqueues, cpu: cpu),
        let current = try? image.word(rq + curr), let idleTask = try? image.word(rq + idle)
      else { return nil }
      return RunQueue(cpu: cpu, current: current, idle: idleTask)
    }
  }
}
