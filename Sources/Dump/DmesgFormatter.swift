/// Text forms of the kernel log (vmcore-format.md §3.4).
public enum DmesgFormatter {
  /// vmcore-dmesg's form (kexec-tools util_lib/elf_info.c): `[%5llu.%06llu] ` then
  /// the text, every byte that is neither printable nor space in the C locale written
  /// as `\xNN`, and a newline. Data-less records still print their prefix.
  public static func vmcoreDmesg(_ record: PrintkRecord, into output: inout [UInt8]) {
    appendTimestamp(record.timestampNanoseconds, into: &output)
    for byte in record.text {
      if isPrintOrSpace(byte) {
        output.append(byte)
      } else {
        output.append(UInt8(ascii: "\\"))
        output.append(UInt8(ascii: "x"))
        output += hexByte(byte)
      }
    }
    output.append(UInt8(ascii: "\n"))
  }

  /// `makedumpfile --dump-dmesg`'s form (1.7.2, makedumpfile printk.c): the same
  /// prefix; an embedded newline is followed by spaces as wide as the prefix;
  /// non-printable bytes are escaped through a signed char, so a byte of 0x80 or more
  /// prints as `\xffffffNN`; records without text print nothing.
  public static func makedumpfile(_ record: PrintkRecord, into output: inout [UInt8]) {
    guard !record.text.isEmpty else { return }
    let start = output.count
    appendTimestamp(record.timestampNanoseconds, into: &output)
    let indent = [UInt8](repeating: UInt8(ascii: " "), count: output.count - start)
    for byte in record.text {
      if byte == UInt8(ascii: "\n") {
        output.append(byte)
        output += indent
      } else if isPrintOrSpace(byte) {
        output.append(byte)
      } else {
        output += Array("\\x".utf8) + (byte >= 0x80 ? Array("ffffff".utf8) : []) + hexByte(byte)
      }
    }
    output.append(UInt8(ascii: "\n"))
  }

  /// The kernel's own console form (`record_print_text`): the prefix repeated on
  /// every line of a multi-line record, text bytes as they are.
  public static func kernel(_ record: PrintkRecord, into output: inout [UInt8]) {
    guard !record.isTextLost else { return }
    var prefix: [UInt8] = []
    appendTimestamp(record.timestampNanoseconds, into: &prefix)
    for line in record.text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      output += prefix
      output += line
      output.append(UInt8(ascii: "\n"))
    }
  }

  /// The raw form: prefix, the text bytes untouched, newline.
  public static func raw(_ record: PrintkRecord, into output: inout [UInt8]) {
    appendTimestamp(record.timestampNanoseconds, into: &output)
    output += record.text
    output.append(UInt8(ascii: "\n"))
  }

  /// `[%5llu.%06llu] `: seconds padded to five columns, microseconds to six. Written
  /// digit by digit: a log holds thousands of records, and `coroner dmesg` is run in
  /// loops where this prefix is a large part of the work.
  static func appendTimestamp(_ nanoseconds: UInt64, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "["))
    appendDecimal(nanoseconds / 1_000_000_000, width: 5, pad: UInt8(ascii: " "), into: &output)
    output.append(UInt8(ascii: "."))
    appendDecimal((nanoseconds % 1_000_000_000) / 1000, width: 6, pad: UInt8(ascii: "0"), into: &output)
    output.append(UInt8(ascii: "]"))
    output.append(UInt8(ascii: " "))
  }

  /// `value` in decimal, right-aligned in `width` columns filled with `pad` (wider
  /// values take the columns they need, as printf's `%5llu` does).
  static func appendDecimal(_ value: UInt64, width: Int, pad: UInt8, into output: inout [UInt8]) {
    var digits = 1
    var rest = value / 10
    while rest > 0 {
      digits += 1
      rest /= 10
    }
    if digits < width {
      output.append(contentsOf: repeatElement(pad, count: width - digits))
    }
    let start = output.count
    output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
    var remaining = value
    var index = start + digits - 1
    while index >= start {
      output[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
      remaining /= 10
      index -= 1
    }
  }

  /// C locale `isprint(c) || isspace(c)`.
  static func isPrintOrSpace(_ byte: UInt8) -> Bool {
    (0x20...0x7E).contains(byte) || (0x09...0x0D).contains(byte)
  }

  static func hexByte(_ byte: UInt8) -> [UInt8] {
    let digits = Array("0123456789abcdef".utf8)
    return [digits[Int(byte >> 4)], digits[Int(byte & 15)]]
  }
}
