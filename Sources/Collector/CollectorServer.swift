import Examine
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `coroner serve`: the netconsole listener, the HTTP API and dashboard, and the
/// store, run as one service group that stops gracefully on SIGTERM or SIGINT
/// (in-flight uploads finish, shards flush their hosts' open reports).
public final class CollectorServer: Sendable {
  public struct Ready: Sendable {
    public var udp: SocketAddress?
    public var http: SocketAddress?
  }

  public let configuration: CollectorConfiguration
  public let store: CrashStore
  public let metrics = CollectorMetrics()
  let logger: Logger
  let group: ServiceGroup
  let readiness: ReadinessGate

  /// Opens the store; `onReady` is called once both sockets are bound.
  public init(
    configuration: CollectorConfiguration, store: CrashStore, logger: Logger, handleSignals: Bool = true,
    onReady: @escaping @Sendable (Ready) -> Void
  ) {
    self.configuration = configuration
    self.store = store
    self.logger = logger
    let readiness = ReadinessGate(onReady: onReady)
    self.readiness = readiness
    var listenerOptions = NetconsoleListener.Options(
      host: configuration.udp.host, port: configuration.udp.port)
    listenerOptions.shards = configuration.shards
    listenerOptions.listeners = configuration.listeners
    listenerOptions.perSourceRate = configuration.perSourceRate
    listenerOptions.perSourceBurst = configuration.perSourceRate * 2
    listenerOptions.hostLimit = configuration.maximumHosts
    listenerOptions.examine = configuration.examine
    let netconsole = NetconsoleService(
      options: listenerOptions, store: store, metrics: metrics, logger: logger, readiness: readiness)
    let routes = CollectorRoutes(
      store: store, metrics: metrics, limits: configuration.limits, readToken: configuration.readToken,
      openReads: configuration.openReads, examiner: Examiner(options: configuration.examine),
      maintainers: configuration.maintainersPath.flatMap { path in
        FileManager.default.contents(atPath: path).map {
          MaintainersFile(text: String(decoding: $0, as: UTF8.self))
        }
      })
    let app = Application(
      router: routes.router(),
      configuration: .init(
        address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "coroner"),
      onServerRunning: { channel in await readiness.http(channel.localAddress) },
      logger: logger)
    group = ServiceGroup(
      configuration: .init(
        services: [.init(service: netconsole), .init(service: app)],
        gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger))
  }

  /// Runs until stopped by a signal or `stop()`.
  public func run() async throws {
    try await group.run()
  }

  public func stop() async {
    await group.triggerGracefulShutdown()
  }
}

/// Calls `onReady` once both the UDP and the HTTP socket are bound.
actor ReadinessGate {
  let onReady: @Sendable (CollectorServer.Ready) -> Void
  var udpAddress: SocketAddress??
  var httpAddress: SocketAddress??

  init(onReady: @escaping @Sendable (CollectorServer.Ready) -> Void) {
    self.onReady = onReady
  }

  func udp(_ address: SocketAddress?) {
    udpAddress = .some(address)
    check()
  }

  func http(_ address: SocketAddress?) {
    httpAddress = .some(address)
    check()
  }

  private func check() {
    guard let udp = udpAddress, let http = httpAddress else { return }
    onReady(.init(udp: udp, http: http))
  }
}

/// The netconsole listener and the task that writes what its shards find.
struct NetconsoleService: Service {
  enum Event: Sendable {
    case crashes([CrashArrival])
    case counts([String: NetconsoleHostCounts])
  }

  struct Sink: NetconsoleSink {
    let continuation: AsyncStream<Event>.Continuation
    func deliver(_ arrivals: [CrashArrival]) { continuation.yield(.crashes(arrivals)) }
    func deliver(_ counts: [String: NetconsoleHostCounts]) { continuation.yield(.counts(counts)) }
  }

  let options: NetconsoleListener.Options
  let store: CrashStore
  let metrics: CollectorMetrics
  let logger: Logger
  let readiness: ReadinessGate

  func run() async throws {
    let (events, continuation) = AsyncStream.makeStream(of: Event.self)
    let listener = try await NetconsoleListener.start(
      options, sink: Sink(continuation: continuation), metrics: metrics)
    await readiness.udp(listener.localAddress)
    await withGracefulShutdownHandler {
      for await event in events { await write(event) }
    } onGracefulShutdown: {
      Task {
        await listener.stop()
        continuation.finish()
      }
    }
  }

  func write(_ event: Event) async {
    do {
      switch event {
      case .crashes(let arrivals):
        let outcomes = try await store.record(arrivals) ?? []
        metrics.add("coroner_reports_total", Int64(outcomes.count), labels: [("source", "netconsole")])
        metrics.add("coroner_buckets_new_total", Int64(outcomes.filter(\.isNewBucket).count))
        for (arrival, outcome) in zip(arrivals, outcomes) {
          logger.info(
            "crash stored",
            metadata: [
              "host": "\(arrival.host.name)", "title": "\(arrival.report.title)",
              "bucket": "\(outcome.bucketID)",
            ])
        }
      case .counts(let counts):
        try await store.addStreamCounts(counts, at: UnixTime.now())
      }
    } catch {
      metrics.add("coroner_store_errors_total")
      logger.error("store write failed", metadata: ["error": "\(error)"])
    }
  }
}
