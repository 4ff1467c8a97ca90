import Hummingbird
import NIOCore

/// A request's context, with the peer address: reads are open to loopback callers
/// unless a read token is configured.
public struct CollectorRequestContext: RequestContext, RemoteAddressRequestContext {
  public var coreContext: CoreRequestContextStorage
  public let remoteAddress: SocketAddress?

  public init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    remoteAddress = source.channel.remoteAddress
  }

  var isLoopback: Bool {
    guard let address = remoteAddress?.ipAddress else { return false }
    return address == "127.0.0.1" || address.hasPrefix("127.") || address == "::1"
      || address.hasPrefix("::ffff:127.")
  }
}
