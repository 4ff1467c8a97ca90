import Examine
import Foundation
import KernelLog

/// Where a shard sends what it finds.
public protocol NetconsoleSink: Sendable {
  /// Crash reports cut from hosts' streams.
  func deliver(_ arrivals: [CrashArrival])
  /// Per-host accounting since the last call, keyed by host name.
  func deliver(_ counts: [String: NetconsoleHostCounts])
}

/// One worker thread and the hosts hashed to it, as netconsd's workers: every
/// datagram of a source lands on the same shard, so a host's state needs no lock,
/// and a busy host delays only the hosts that share its shard.
final class NetconsoleShard: @unchecked Sendable {
  struct Datagram: Sendable {
    var source: String
    var payload: [UInt8]
    /// Refused by the listener before queueing (flood); counted on the host.
    var refusal: NetconsoleRefusal?
  }

  private let condition = NSCondition()
  // Guarded by `condition`.
  private var queue: [Datagram] = []
  private var stopping = false
  private var stopped = false
  /// The worker is parked in `condition.wait`: only then does `enqueue` signal it. A
  /// worker that is busy takes the whole queue when it finishes its batch, so waking it
  /// for every read would only cost a futex call and a contended lock each time.
  private var waiting = false
  /// Times `enqueue` woke the worker (for tests: fewer than the batches queued when the
  /// worker was busy).
  private var wakeups = 0
  /// Datagrams waiting beyond this are refused (`queue_full`), bounding memory.
  let queueLimit: Int
  /// Hosts whose state (reassembly, sequence, open report) the shard keeps. Past it,
  /// the least recently heard tenth is let go: its open report is cut and delivered,
  /// its counts taken, and a host that speaks again starts a fresh stream.
  let hostLimit: Int

  // Owned by the worker thread.
  private var streams: [String: NetconsoleHostStream] = [:]
  /// When each host was last heard (monotonic nanoseconds), for `evictQuietest`.
  private var heard: [String: UInt64] = [:]
  private let markers: ReportMarkers
  private let limits: ReportCutter.Limits
  private let examiner: Examiner
  private let sink: NetconsoleSink
  private let metrics: CollectorMetrics
  private var lastTick: UInt64 = 0
  private var lastCounts: UInt64 = 0
  private let index: Int

  init(
    index: Int, sink: NetconsoleSink, metrics: CollectorMetrics, markers: ReportMarkers,
    limits: ReportCutter.Limits, queueLimit: Int, hostLimit: Int = 100_000, examiner: Examiner = Examiner()
  ) {
    self.examiner = examiner
    self.index = index
    self.sink = sink
    self.metrics = metrics
    self.markers = markers
    self.limits = limits
    self.queueLimit = queueLimit
    self.hostLimit = max(1, hostLimit)
  }

  func start() {
    let thread = Thread { [self] in run() }
    thread.name = "netconsole-shard-\(index)"
    thread.start()
  }

  /// Queues a batch; returns the datagrams refused because the queue is full.
  func enqueue(_ batch: [Datagram]) -> [Datagram] {
    condition.lock()
    let room = max(0, queueLimit - queue.count)
    let accepted = batch.prefix(room)
    queue.append(contentsOf: accepted)
    let wake = waiting && !accepted.isEmpty
    if wake { wakeups += 1 }
    condition.unlock()
    // Signalled after unlocking, so the woken worker does not block at once on the lock
    // this thread still holds (pthread_cond_signal(3p) allows signalling without it).
    if wake { condition.signal() }
    return batch.count > room ? Array(batch.dropFirst(room)) : []
  }

  /// How many times `enqueue` has woken the worker.
  var wakeupCount: Int {
    condition.lock()
    defer { condition.unlock() }
    return wakeups
  }

  /// Ends the thread after it has processed what is queued and flushed every host.
  func stop() {
    condition.lock()
    stopping = true
    condition.signal()
    while !stopped { condition.wait() }
    condition.unlock()
  }

  private func run() {
    while true {
      condition.lock()
      while queue.isEmpty && !stopping {
        waiting = true
        let signalled = condition.wait(until: Date(timeIntervalSinceNow: 0.2))
        waiting = false
        if !signalled { break }
      }
      let batch = queue
      queue.removeAll(keepingCapacity: true)
      let finishing = stopping && batch.isEmpty
      condition.unlock()

      let now = DispatchTime.now().uptimeNanoseconds
      process(batch, at: now)
      if now &- lastTick >= 200_000_000 || finishing {
        lastTick = now
        tick(at: now, finishing: finishing)
      }
      if now &- lastCounts >= 1_000_000_000 || finishing {
        lastCounts = now
        flushCounts()
      }
      if finishing {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        return
      }
    }
  }

  private func process(_ batch: [Datagram], at now: UInt64) {
    guard !batch.isEmpty else { return }
    var arrivals: [CrashArrival] = []
    var refused: [NetconsoleRefusal: Int64] = [:]
    var newHosts = 0
    for datagram in batch {
      if streams[datagram.source] == nil {
        if streams.count >= hostLimit { arrivals += evictQuietest() }
        streams[datagram.source] = NetconsoleHostStream(
          source: datagram.source, markers: markers, limits: limits, examiner: examiner)
        newHosts += 1
      }
      heard[datagram.source] = now
      if let refusal = datagram.refusal {
        streams[datagram.source]!.refuse(refusal)
        refused[refusal, default: 0] += 1
        continue
      }
      do {
        let reports = try streams[datagram.source]!.receive(datagram.payload, at: now)
        if !reports.isEmpty { arrivals += arrive(reports, from: datagram.source) }
      } catch {
        refused[error, default: 0] += 1
      }
    }
    metrics.add("coroner_netconsole_datagrams_total", Int64(batch.count))
    for (reason, count) in refused {
      metrics.add("coroner_netconsole_refused_total", count, labels: [("reason", reason.rawValue)])
    }
    if newHosts > 0 { metrics.add("coroner_netconsole_hosts_seen", Int64(newHosts)) }
    if !arrivals.isEmpty { sink.deliver(arrivals) }
  }

  /// Lets go of the least recently heard tenth of the hosts (at least one): their
  /// open reports are cut, their counts delivered, their state dropped. A sort per
  /// tenth keeps the cost per new host constant on average.
  private func evictQuietest() -> [CrashArrival] {
    let count = max(1, streams.count / 10)
    let quietest = heard.sorted { $0.value < $1.value }.prefix(count).map(\.key)
    var arrivals: [CrashArrival] = []
    var counts: [String: NetconsoleHostCounts] = [:]
    let now = DispatchTime.now().uptimeNanoseconds
    for source in quietest {
      guard var stream = streams.removeValue(forKey: source) else { continue }
      heard[source] = nil
      let reports = stream.finish(at: now)
      if !reports.isEmpty { arrivals += arrive(reports, release: stream.lastRelease, from: source) }
      let taken = stream.takeCounts()
      if !taken.isEmpty { counts[source] = taken }
      record(taken)
    }
    metrics.add("coroner_netconsole_hosts_evicted_total", Int64(quietest.count))
    metrics.set("coroner_netconsole_hosts_tracked", Int64(streams.count), labels: [("shard", "\(index)")])
    if !counts.isEmpty { sink.deliver(counts) }
    return arrivals
  }

  private func arrive(_ reports: [CrashReport], from source: String) -> [CrashArrival] {
    arrive(reports, release: streams[source]?.lastRelease, from: source)
  }

  private func arrive(_ reports: [CrashReport], release: String?, from source: String) -> [CrashArrival] {
    let time = UnixTime.now()
    return reports.map {
      CrashArrival(
        report: $0, host: HostIdentity(name: source, kind: .netconsole), release: release,
        source: "netconsole",
        received: time)
    }
  }

  private func tick(at now: UInt64, finishing: Bool) {
    var arrivals: [CrashArrival] = []
    for source in Array(streams.keys) {
      let reports = finishing ? streams[source]!.finish(at: now) : streams[source]!.tick(at: now)
      if !reports.isEmpty { arrivals += arrive(reports, from: source) }
    }
    if !arrivals.isEmpty { sink.deliver(arrivals) }
  }

  private func flushCounts() {
    var counts: [String: NetconsoleHostCounts] = [:]
    for source in Array(streams.keys) {
      let taken = streams[source]!.takeCounts()
      guard !taken.isEmpty else { continue }
      counts[source] = taken
      record(taken)
    }
    metrics.set("coroner_netconsole_hosts_tracked", Int64(streams.count), labels: [("shard", "\(index)")])
    if !counts.isEmpty { sink.deliver(counts) }
  }

  private func record(_ taken: NetconsoleHostCounts) {
    metrics.add("coroner_netconsole_messages_total", taken.messages)
    metrics.add("coroner_netconsole_lost_total", taken.lost)
    metrics.add("coroner_netconsole_restarts_total", taken.restarts)
  }
}
