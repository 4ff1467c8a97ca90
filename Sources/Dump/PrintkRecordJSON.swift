extension DmesgFormatter {
  /// One record as a JSON object on one line, every field kept (`coroner dmesg
  /// --json`, and the log `coroner capture` saves before the dump).
  public static func json(_ record: PrintkRecord) -> String {
    var fields = [
      "\"seq\":\(record.sequence)", "\"ts_nsec\":\(record.timestampNanoseconds)",
      "\"facility\":\(record.facility)", "\"level\":\(record.level)", "\"flags\":\(record.flags)",
    ]
    if let caller = record.callerID {
      fields.append("\"caller\":\(jsonString(record.logRecord.caller?.description ?? ""))")
      fields.append("\"caller_id\":\(caller)")
    }
    fields.append("\"continuation\":\(record.isContinuation)")
    if record.isTextLost { fields.append("\"text_lost\":true") }
    fields.append("\"text\":\(jsonString(String(decoding: record.text, as: UTF8.self)))")
    if !record.dictionary.isEmpty {
      let pairs = record.dictionary.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
      fields.append("\"dictionary\":{\(pairs.joined(separator: ","))}")
    }
    return "{" + fields.joined(separator: ",") + "}"
  }

  /// A JSON string literal (RFC 8259 escapes).
  public static func jsonString(_ text: String) -> String {
    // Most log text needs no escape: copied whole, not a scalar at a time (the capture
    // writes every record before the dump, so this is on its way to the first page).
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
      return "\"" + text + "\""
    }
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      default:
        if scalar.value < 0x20 {
          let digits = String(scalar.value, radix: 16)
          result += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result + "\""
  }
}
