import KernelLog

/// One record of the kernel log as the ring buffer holds it, bytes untouched, so
/// output can match vmcore-dmesg byte for byte. `logRecord` gives the `LogRecord`
/// the report parser reads.
public struct PrintkRecord: Sendable, Equatable {
  public var sequence: UInt64
  public var timestampNanoseconds: UInt64
  public var facility: UInt8
  public var level: UInt8
  /// `enum printk_info_flags`: LOG_NEWLINE 2, LOG_CONT 8.
  public var flags: UInt8
  /// `caller_id`: bit 31 set means a CPU number, else a task id. Nil in formats
  /// that do not carry it.
  public var callerID: UInt32?
  public var text: [UInt8]
  /// dev_printk dictionary: SUBSYSTEM=, DEVICE= (and older free-form pairs).
  public var dictionary: [(key: String, value: String)]
  /// The text was lost (data-less descriptor, or a block that could not be read).
  public var isTextLost: Bool = false

  public static let logCont: UInt8 = 8

  public init(
    sequence: UInt64, timestampNanoseconds: UInt64, facility: UInt8, level: UInt8, flags: UInt8,
    callerID: UInt32?, text: [UInt8], dictionary: [(key: String, value: String)] = []
  ) {
    self.sequence = sequence
    self.timestampNanoseconds = timestampNanoseconds
    self.facility = facility
    self.level = level
    self.flags = flags
    self.callerID = callerID
    self.text = text
    self.dictionary = dictionary
  }

  public static func == (lhs: PrintkRecord, rhs: PrintkRecord) -> Bool {
    lhs.sequence == rhs.sequence && lhs.timestampNanoseconds == rhs.timestampNanoseconds
      && lhs.facility == rhs.facility && lhs.level == rhs.level && lhs.flags == rhs.flags
      && lhs.callerID == rhs.callerID && lhs.text == rhs.text && lhs.isTextLost == rhs.isTextLost
      && lhs.dictionary.map(\.key) == rhs.dictionary.map(\.key)
      && lhs.dictionary.map(\.value) == rhs.dictionary.map(\.value)
  }

  /// True when this record is a `pr_cont` fragment the kernel could not merge.
  public var isContinuation: Bool { flags & Self.logCont != 0 }

  /// The record for the report parser; invalid UTF-8 is replaced, never dropped.
  public var logRecord: LogRecord {
    LogRecord(
      text: String(decoding: text, as: UTF8.self), sequence: sequence,
      timestampNanoseconds: timestampNanoseconds, facility: facility, level: level,
      caller: callerID.map { LogRecord.Caller(callerID: $0) }, dictionary: dictionary)
  }
}

/// What the log reader found besides the records: which format, and what it could
/// not read.
public struct PrintkLog: Sendable {
  public enum Format: String, Sendable { case lockless, structured }
  public var format: Format
  public var records: [PrintkRecord]
  /// Human-readable notes about records skipped or lost.
  public var problems: [String]
}
