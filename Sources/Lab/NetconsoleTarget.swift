/// Where a lab guest sends its kernel log over the network: netconsole's target, as the
/// module's `netconsole=` parameter names it (Documentation/networking/netconsole.rst:
/// `[+][src-port]@[src-ip]/[<dev>],[tgt-port]@<tgt-ip>/[tgt-macaddr]`).
///
/// The guest is on QEMU's user network (slirp): it is 10.0.2.15, and 10.0.2.2 is the
/// host, whose loopback receives what the guest sends there. No target MAC is given, so
/// netconsole sends to the Ethernet broadcast address, which slirp accepts as any frame.
public struct NetconsoleTarget: Sendable, Equatable {
  /// The UDP port on the host (a `coroner serve --udp 127.0.0.1:PORT`).
  public var hostPort: Int
  /// `+`: the extended format (printk's sequence numbers, `ncfrag` fragments), which
  /// Debian's kernels send without CONFIG_NETCONSOLE_EXTENDED_LOG when asked this way.
  public var extended = true
  public var sourcePort = 6665

  /// The guest's address and the host's, as slirp assigns them (QEMU's defaults).
  public static let guestAddress = "10.0.2.15"
  public static let hostAddress = "10.0.2.2"
  /// The interface the NIC driver creates first in a guest without udev.
  public static let device = "eth0"

  public init(hostPort: Int, extended: Bool = true) {
    self.hostPort = hostPort
    self.extended = extended
  }

  /// The value of netconsole's `netconsole=` module parameter.
  public var moduleParameter: String {
    (extended ? "+" : "") + "\(sourcePort)@\(Self.guestAddress)/\(Self.device),"
      + "\(hostPort)@\(Self.hostAddress)/"
  }

  /// The guest's /init lines that bring the interface up and load netconsole on it.
  /// netpoll sends from its own address (the parameter's source), but the device must
  /// be up; the address is set too, so that what the guest sends otherwise has one.
  var guestSetup: String {
    """
    ip link set lo up
    ip link set \(Self.device) up || say "no \(Self.device): insmod of the NIC driver failed?"
    ip addr add \(Self.guestAddress)/24 dev \(Self.device)
    # netpoll does not wait for a link the interface already brought up, and a NIC sends
    # nothing before its carrier comes (e1000: a second or two after `up`).
    tries=0
    while [ "$(cat /sys/class/net/\(Self.device)/carrier 2>/dev/null)" != 1 ] && [ $tries -lt 100 ]; do
      sleep 0.1
      tries=$((tries + 1))
    done
    [ "$(cat /sys/class/net/\(Self.device)/carrier 2>/dev/null)" = 1 ] || say "no carrier on \(Self.device)"
    insmod /lib/modules/netconsole.ko netconsole=\(moduleParameter) || say "insmod netconsole failed"
    say "netconsole up to \(Self.hostAddress):\(hostPort)"

    """
  }
}
