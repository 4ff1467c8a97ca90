import Foundation
import NIOConcurrencyHelpers

/// The collector's counters, rendered in the Prometheus text exposition format
/// (https://prometheus.io/docs/instrumenting/exposition_formats/). Callers add in
/// batches (a worker adds once per batch of datagrams), so one lock is cheap.
public final class CollectorMetrics: Sendable {
  struct State {
    var counters: [String: Int64] = [:]
    var gauges: [String: Int64] = [:]
    /// Ingest latency histogram: counts per upper bound (seconds), sum, count.
    var latencyBuckets = [Int64](repeating: 0, count: CollectorMetrics.latencyBounds.count)
    var latencySum = 0.0
    var latencyCount: Int64 = 0
  }

  static let latencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
  static let help: [String: (type: String, help: String)] = [
    "coroner_netconsole_datagrams_total": ("counter", "UDP datagrams received"),
    "coroner_netconsole_messages_total": ("counter", "printk records reassembled from netconsole"),
    "coroner_netconsole_refused_total": ("counter", "datagrams refused, by reason"),
    "coroner_netconsole_lost_total": ("counter", "records missing from sequence gaps, less late arrivals"),
    "coroner_netconsole_restarts_total": ("counter", "host streams that started over (reboots)"),
    "coroner_netconsole_hosts": ("gauge", "netconsole sources seen since start"),
    "coroner_netconsole_hosts_seen": ("counter", "netconsole host streams started"),
    "coroner_netconsole_hosts_tracked": ("gauge", "netconsole hosts whose stream state is kept, by shard"),
    "coroner_netconsole_hosts_evicted_total": ("counter", "host streams let go at the host limit"),
    "coroner_netconsole_rate_sources": ("gauge", "sources with a flood token bucket"),
    "coroner_reports_total": ("counter", "crash reports stored, by source"),
    "coroner_buckets_new_total": ("counter", "buckets created"),
    "coroner_ingest_requests_total": ("counter", "HTTP ingest requests, by outcome"),
    "coroner_store_errors_total": ("counter", "store writes that failed"),
  ]

  let state = NIOLockedValueBox(State())

  public init() {}

  public func add(_ name: String, _ value: Int64 = 1, labels: [(String, String)] = []) {
    guard value != 0 else { return }
    let key = Self.key(name, labels)
    state.withLockedValue { $0.counters[key, default: 0] += value }
  }

  public func set(_ name: String, _ value: Int64, labels: [(String, String)] = []) {
    let key = Self.key(name, labels)
    state.withLockedValue { $0.gauges[key] = value }
  }

  public func observeIngest(seconds: Double) {
    state.withLockedValue { state in
      for (index, bound) in Self.latencyBounds.enumerated() where seconds <= bound {
        state.latencyBuckets[index] += 1
      }
      state.latencySum += seconds
      state.latencyCount += 1
    }
  }

  public func value(_ name: String, labels: [(String, String)] = []) -> Int64 {
    let key = Self.key(name, labels)
    return state.withLockedValue { $0.counters[key] ?? $0.gauges[key] ?? 0 }
  }

  static func key(_ name: String, _ labels: [(String, String)]) -> String {
    guard !labels.isEmpty else { return name }
    let escaped = labels.map {
      "\($0.0)=\"\($0.1.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
    }
    return name + "{" + escaped.joined(separator: ",") + "}"
  }

  /// The exposition text.
  public func render() -> String {
    let snapshot = state.withLockedValue { $0 }
    var lines: [String] = []
    var described: Set<String> = []
    let samples = (snapshot.counters.map { ($0.key, $0.value) } + snapshot.gauges.map { ($0.key, $0.value) })
      .sorted { $0.0 < $1.0 }
    for (key, value) in samples {
      let name = String(key.prefix { $0 != "{" })
      if described.insert(name).inserted, let info = Self.help[name] {
        lines.append("# HELP \(name) \(info.help)")
        lines.append("# TYPE \(name) \(info.type)")
      }
      lines.append("\(key) \(value)")
    }
    lines.append("# HELP coroner_ingest_seconds HTTP ingest latency, receipt to commit")
    lines.append("# TYPE coroner_ingest_seconds histogram")
    for (index, bound) in Self.latencyBounds.enumerated() {
      lines.append("coroner_ingest_seconds_bucket{le=\"\(bound)\"} \(snapshot.latencyBuckets[index])")
    }
    lines.append("coroner_ingest_seconds_bucket{le=\"+Inf\"} \(snapshot.latencyCount)")
    lines.append("coroner_ingest_seconds_sum \(snapshot.latencySum)")
    lines.append("coroner_ingest_seconds_count \(snapshot.latencyCount)")
    return lines.joined(separator: "\n") + "\n"
  }
}
