/// One line of the kernel log, whatever carried it: a serial console, `dmesg`,
/// journald, a netconsole datagram, a pstore record or the printk ring buffer of a
/// vmcore. Every source produces these, and the crash-report parser consumes them,
/// so a console log and a dump reach the same parser.
///
/// Fields follow `struct printk_info` (kernel/printk/printk_ringbuffer.h): a source
/// that does not carry a field leaves it nil.
public struct LogRecord: Sendable, Hashable {
  /// Who printed the record: `[T123]` (a task) or `[C1]` (a CPU, in interrupt
  /// context), as CONFIG_PRINTK_CALLER shows it.
  public enum Caller: Sendable, Hashable, CustomStringConvertible {
    case task(pid: UInt32)
    case cpu(UInt32)

    /// Decodes the 32-bit `caller_id` of the ring buffer: bit 31 set means a CPU.
    public init(callerID: UInt32) {
      if callerID & 0x8000_0000 != 0 {
        self = .cpu(callerID & 0x7FFF_FFFF)
      } else {
        self = .task(pid: callerID)
      }
    }

    public var description: String {
      switch self {
      case .task(let pid): return "T\(pid)"
      case .cpu(let cpu): return "C\(cpu)"
      }
    }
  }

  /// The printk sequence number, when the source has one.
  public var sequence: UInt64?
  /// Nanoseconds since boot (`ts_nsec`); console prefixes give microseconds.
  public var timestampNanoseconds: UInt64?
  /// syslog facility (0 = kernel) and level (0 = emerg ... 7 = debug).
  public var facility: UInt8?
  public var level: UInt8?
  public var caller: Caller?
  /// The message, without any prefix. Invalid UTF-8 is replaced, never dropped.
  public var text: String
  /// The dev_printk dictionary (`SUBSYSTEM=`, `DEVICE=`), in the order written.
  public var dictionary: [(key: String, value: String)] {
    get { dictionaryStorage.map { ($0.key, $0.value) } }
    set { dictionaryStorage = newValue.map { DictionaryEntry(key: $0.key, value: $0.value) } }
  }
  /// The byte range of the whole line (prefix included) in the source, when the
  /// record came from a byte stream.
  public var span: Range<Int>?

  struct DictionaryEntry: Sendable, Hashable {
    var key: String
    var value: String
  }
  var dictionaryStorage: [DictionaryEntry] = []
  /// A syslog line written by another program than the kernel.
  var isForeign = false

  public init(
    text: String, sequence: UInt64? = nil, timestampNanoseconds: UInt64? = nil,
    facility: UInt8? = nil, level: UInt8? = nil, caller: Caller? = nil,
    dictionary: [(key: String, value: String)] = [], span: Range<Int>? = nil
  ) {
    self.text = text
    self.sequence = sequence
    self.timestampNanoseconds = timestampNanoseconds
    self.facility = facility
    self.level = level
    self.caller = caller
    self.span = span
    self.dictionary = dictionary
  }
}
