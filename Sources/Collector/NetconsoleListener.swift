import Examine
import Foundation
import KernelLog
import NIOCore
import NIOPosix

/// The UDP side of the collector: sockets bound to one address and port, reading
/// datagrams in batches (`recvmmsg(2)` through SwiftNIO's vector reads) and
/// handing each to the shard its source hashes to.
public final class NetconsoleListener: Sendable {
  public struct Options: Sendable {
    public var host: String
    public var port: Int
    /// Worker threads; sources are spread over them by address.
    public var shards = 2
    /// Sockets sharing the port (`SO_REUSEPORT`): the kernel spreads sources over them.
    public var listeners = 1
    /// Datagrams per `recvmmsg` call.
    public var batch = 64
    /// Socket receive buffer, bytes: what absorbs a burst while workers catch up.
    public var receiveBuffer = 32 << 20
    /// Datagrams per second one source may send before the rest are refused (`flood`).
    public var perSourceRate: Double = 50_000
    public var perSourceBurst: Double = 100_000
    public var queueLimit = 500_000
    /// Hosts whose stream state is kept, over all shards; past it the least recently
    /// heard are let go (`coroner_netconsole_hosts_evicted_total`).
    public var hostLimit = 100_000
    public var cutter = ReportCutter.Limits()
    /// How reports are read: with debuginfo, their frames are symbolized.
    public var examine = ExamineOptions()

    public init(host: String, port: Int) {
      self.host = host
      self.port = port
    }
  }

  /// The kernel sends at most 1000 bytes a payload (`MAX_PRINT_CHUNK`); a little
  /// room is left for senders with longer release strings, nothing more.
  public static let maximumPayload = 2048

  let channels: [any Channel]
  let shards: [NetconsoleShard]
  public let localAddress: SocketAddress?

  private init(channels: [any Channel], shards: [NetconsoleShard]) {
    self.channels = channels
    self.shards = shards
    localAddress = channels.first?.localAddress
  }

  public static func start(
    _ options: Options, sink: NetconsoleSink, metrics: CollectorMetrics,
    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
  ) async throws -> NetconsoleListener {
    let markers = ReportMarkers()
    let shards = (0..<max(1, options.shards)).map {
      NetconsoleShard(
        index: $0, sink: sink, metrics: metrics, markers: markers, limits: options.cutter,
        queueLimit: options.queueLimit, hostLimit: max(1, options.hostLimit / max(1, options.shards)),
        examiner: Examiner(options: options.examine))
    }
    for shard in shards { shard.start() }
    var channels: [any Channel] = []
    var port = options.port
    for _ in 0..<max(1, options.listeners) {
      let bootstrap = DatagramBootstrap(group: group)
        .channelOption(.socketOption(.so_reuseaddr), value: 1)
        // SO_REUSEPORT is 15 (include/uapi/asm-generic/socket.h): the kernel spreads sources.
        .channelOption(ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: 15)), value: 1)
        .channelOption(.datagramVectorReadMessageCount, value: options.batch)
        .channelOption(.maxMessagesPerRead, value: 16)
        .channelOption(
          .recvAllocator,
          value: FixedSizeRecvByteBufferAllocator(capacity: (maximumPayload + 1) * options.batch)
        )
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
              DatagramRouter(
                shards: shards, metrics: metrics, rate: options.perSourceRate, burst: options.perSourceBurst))
          }
        }
      let channel = try await bootstrap.bind(host: options.host, port: port).get()
      try? await Self.enlargeReceiveBuffer(channel, to: options.receiveBuffer)
      // Port 0 asks for any: the other listeners share the one the first was given.
      port = channel.localAddress?.port ?? port
      channels.append(channel)
    }
    return NetconsoleListener(channels: channels, shards: shards)
  }

  /// `SO_RCVBUFFORCE` passes `net.core.rmem_max` when the process may (root, as a
  /// collector often runs); otherwise `SO_RCVBUF` gets what the limit allows.
  static func enlargeReceiveBuffer(_ channel: any Channel, to bytes: Int) async throws {
    // SO_RCVBUFFORCE is 33 (include/uapi/asm-generic/socket.h).
    let force = ChannelOptions.Types.SocketOption(level: .socket, name: NIOBSDSocket.Option(rawValue: 33))
    do {
      try await channel.setOption(force, value: SocketOptionValue(bytes)).get()
    } catch {
      try await channel.setOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(bytes)).get()
    }
  }

  /// Closes the sockets, then lets every shard finish what it holds.
  public func stop() async {
    for channel in channels { try? await channel.close().get() }
    for shard in shards { shard.stop() }
  }
}

/// Reads datagrams on one socket's event loop, refuses oversized and flooding
/// ones, and passes the rest to their shard once per read batch.
final class DatagramRouter: ChannelInboundHandler, @unchecked Sendable {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>

  let shards: [NetconsoleShard]
  let metrics: CollectorMetrics
  let rate: Double
  let burst: Double
  var pending: [[NetconsoleShard.Datagram]]
  /// Per-source token buckets (the handler runs on one event loop: no lock).
  var allowance: [String: (tokens: Double, at: UInt64)] = [:]
  var names: [SocketAddress: String] = [:]

  init(shards: [NetconsoleShard], metrics: CollectorMetrics, rate: Double, burst: Double) {
    self.shards = shards
    self.metrics = metrics
    self.rate = rate
    self.burst = burst
    pending = Array(repeating: [], count: shards.count)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let envelope = unwrapInboundIn(data)
    let source = name(of: envelope.remoteAddress)
    var refusal: NetconsoleRefusal?
    var payload: [UInt8] = []
    if envelope.data.readableBytes > NetconsoleListener.maximumPayload {
      refusal = .oversized
    } else if !admit(source) {
      refusal = .flood
    } else {
      payload = Array(envelope.data.readableBytesView)
    }
    var hasher = Hasher()
    hasher.combine(source)
    let shard = Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))
    pending[shard].append(NetconsoleShard.Datagram(source: source, payload: payload, refusal: refusal))
    if pending[shard].count >= 4096 { flush(shard) }
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    for shard in pending.indices where !pending[shard].isEmpty { flush(shard) }
  }

  func flush(_ shard: Int) {
    let dropped = shards[shard].enqueue(pending[shard])
    pending[shard].removeAll(keepingCapacity: true)
    if !dropped.isEmpty {
      // The worker is too far behind: these are refused, and counted on their hosts.
      metrics.add(
        "coroner_netconsole_refused_total", Int64(dropped.count), labels: [("reason", "queue_full")])
      metrics.add("coroner_netconsole_datagrams_total", Int64(dropped.count))
    }
  }

  /// Sources whose token buckets are kept before the full ones are dropped.
  static let allowanceLimit = 200_000

  /// A token bucket per source: `rate` a second, up to `burst` saved.
  func admit(_ source: String) -> Bool {
    let now = DispatchTime.now().uptimeNanoseconds
    if allowance[source] == nil, allowance.count >= Self.allowanceLimit { forgetFullBuckets(at: now) }
    var entry = allowance[source] ?? (burst, now)
    entry.tokens = min(burst, entry.tokens + Double(now &- entry.at) / 1e9 * rate)
    entry.at = now
    let admitted = entry.tokens >= 1
    if admitted { entry.tokens -= 1 }
    allowance[source] = entry
    return admitted
  }

  /// Drops the buckets that have refilled (a source quiet for `burst / rate` seconds):
  /// a new bucket starts full, so forgetting them changes no verdict. When every source
  /// is busy, the oldest half goes, which at worst lets them burst once more.
  func forgetFullBuckets(at now: UInt64) {
    let refill = UInt64(burst / rate * 1e9)
    allowance = allowance.filter { now &- $0.value.at < refill }
    if allowance.count >= Self.allowanceLimit {
      let kept = allowance.sorted { $0.value.at > $1.value.at }.prefix(Self.allowanceLimit / 2)
      allowance = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
    }
    metrics.set("coroner_netconsole_rate_sources", Int64(allowance.count))
  }

  /// The host name of a source: its address, IPv4-mapped IPv6 written as IPv4
  /// (a dual-stack socket reports IPv4 senders as `::ffff:a.b.c.d`).
  func name(of address: SocketAddress) -> String {
    if let known = names[address] { return known }
    var text = address.ipAddress ?? "\(address)"
    if text.hasPrefix("::ffff:"), text.contains(".") { text = String(text.dropFirst(7)) }
    if names.count > 100_000 { names.removeAll() }
    names[address] = text
    return text
  }
}
