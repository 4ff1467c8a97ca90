import Bytes

/// The structured `log_buf` of Linux 3.5 to 5.9 (`struct printk_log` records in a
/// byte ring, kernel/printk/printk.c of those releases; vmcore-format.md §3.5).
public struct PrintkLogBuffer: Sendable {
  /// `struct printk_log` offsets from VMCOREINFO (`log.*` names before 3.11).
  public struct Layout: Sendable, Equatable {
    public var headerSize: Int
    public var tsNsec: Int
    public var length: Int
    public var textLength: Int
    public var dictLength: Int
    public var callerID: Int?

    public init(headerSize: Int, tsNsec: Int, length: Int, textLength: Int, dictLength: Int, callerID: Int?) {
      self.headerSize = headerSize
      self.tsNsec = tsNsec
      self.length = length
      self.textLength = textLength
      self.dictLength = dictLength
      self.callerID = callerID
    }

    public init(_ info: VmcoreInfo) throws {
      let name = info.size("printk_log") != nil ? "printk_log" : "log"
      headerSize = try info.requireSize(name)
      tsNsec = try info.requireOffset("\(name).ts_nsec")
      length = try info.requireOffset("\(name).len")
      textLength = try info.requireOffset("\(name).text_len")
      dictLength = try info.requireOffset("\(name).dict_len")
      callerID = try info.offset("\(name).caller_id").map { try info.small($0, "OFFSET(\(name).caller_id)") }
    }
  }

  public let layout: Layout
  /// Address and length of the byte ring, and the first and next record indexes.
  public let buffer: UInt64
  public let bufferLength: UInt32
  public let firstIndex: UInt32
  public let nextIndex: UInt32
  /// Sequence number of the record at `firstIndex`, when the kernel exported it.
  public let firstSequence: UInt64

  public init(
    layout: Layout, buffer: UInt64, bufferLength: UInt32, firstIndex: UInt32, nextIndex: UInt32,
    firstSequence: UInt64 = 0
  ) {
    self.layout = layout
    self.buffer = buffer
    self.bufferLength = bufferLength
    self.firstIndex = firstIndex
    self.nextIndex = nextIndex
    self.firstSequence = firstSequence
  }

  /// `SYMBOL(log_buf)` is a pointer variable; `log_buf_len`, `log_first_idx` and
  /// `log_next_idx` are u32 variables.
  public init(vmcoreInfo info: VmcoreInfo, memory: any KernelMemoryReader) throws {
    self.init(
      layout: try Layout(info), buffer: try memory.u64(try info.requireSymbol("log_buf")),
      bufferLength: try memory.u32(try info.requireSymbol("log_buf_len")),
      firstIndex: try memory.u32(try info.requireSymbol("log_first_idx")),
      nextIndex: try memory.u32(try info.requireSymbol("log_next_idx")),
      firstSequence: (try? info.symbol("log_first_seq").map { try memory.u64($0) }) ?? 0)
  }

  public func records(in memory: any KernelMemoryReader) throws -> PrintkLog {
    guard bufferLength >= UInt32(clamping: layout.headerSize), bufferLength <= 1 << 28 else {
      throw DumpError.corruptKernelData(
        structure: "log_buf", address: buffer, reason: "log_buf_len \(bufferLength) out of range")
    }
    let bytes = try memory.read(buffer, count: Int(bufferLength))
    return records(from: bytes)
  }

  /// Walks from `log_first_idx` to `log_next_idx`; a zero `len` is the wrap marker
  /// (the rest of the buffer is unused and the next record is at 0).
  public func records(from bytes: [UInt8]) -> PrintkLog {
    let l = layout
    var records: [PrintkRecord] = []
    var problems: [String] = []
    var index = Int(firstIndex)
    var wrapped = false
    var sequence = firstSequence
    while index != Int(nextIndex) {
      guard index + l.headerSize <= bytes.count, let length = bytes.u16(index + l.length) else {
        problems.append("record at index \(index) runs past log_buf (\(bytes.count) bytes)")
        break
      }
      if length == 0 {
        if wrapped {
          problems.append("log_buf wraps twice: stopped at index \(index)")
          break
        }
        wrapped = true
        index = 0
        continue
      }
      let textLength = Int(bytes.u16(index + l.textLength) ?? 0)
      let dictLength = Int(bytes.u16(index + l.dictLength) ?? 0)
      let textStart = index + l.headerSize
      let text = bytes.slice(textStart, textLength) ?? Array(bytes[min(textStart, bytes.count)...])
      let dict = bytes.slice(textStart + textLength, dictLength) ?? []
      // After text_len and dict_len (u16 each): facility (u8), then flags:5 | level:3.
      let bits = bytes.u8(index + l.dictLength + 3) ?? 0
      records.append(
        PrintkRecord(
          sequence: sequence, timestampNanoseconds: bytes.u64(index + l.tsNsec) ?? 0,
          facility: bytes.u8(index + l.dictLength + 2) ?? 0, level: bits >> 5, flags: bits & 0x1F,
          callerID: l.callerID.flatMap { bytes.u32(index + $0) }, text: text,
          dictionary: Self.dictionary(dict)))
      sequence &+= 1
      index += Int(length)
      if index > bytes.count - l.headerSize && index != Int(nextIndex) {
        problems.append("record length at index \(index - Int(length)) leaves log_buf")
        break
      }
      if records.count > bytes.count / max(1, l.headerSize) {
        problems.append("log_buf loops: stopped after \(records.count) records")
        break
      }
    }
    return PrintkLog(format: .structured, records: records, problems: problems)
  }

  /// The NUL-separated `KEY=VALUE` pairs of a record's dictionary.
  static func dictionary(_ bytes: [UInt8]) -> [(key: String, value: String)] {
    bytes.split(separator: 0).compactMap { pair in
      guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return nil }
      return (
        String(decoding: pair[pair.startIndex..<equals], as: UTF8.self),
        String(decoding: pair[(equals + 1)...], as: UTF8.self)
      )
    }
  }
}
