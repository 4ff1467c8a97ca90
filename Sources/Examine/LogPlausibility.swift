import Dump

/// Checks a dump's log for the signs of a layout read wrong: VMCOREINFO offsets that
/// are valid but false make the reader return records of garbage rather than fail.
/// The kernel numbers records one by one (`printk_info.seq`, kernel/printk/
/// printk_ringbuffer.c) and stamps them from one clock, so a real log reads as a
/// run of consecutive numbers, timestamps that rarely go back, and text.
enum LogPlausibility {
  static func problems(_ log: PrintkLog) -> [EvidenceProblem] {
    let records = log.records
    guard !records.isEmpty else {
      return [EvidenceProblem(.log, "the kernel log holds no records")]
    }
    var problems: [EvidenceProblem] = []
    let pairs = records.count - 1
    // More than one pair in eight out of order cannot be a few torn records.
    let allowed = max(2, pairs / 8)
    if log.format == .lockless {
      let jumps = zip(records, records.dropFirst()).filter { $1.sequence != $0.sequence &+ 1 }.count
      if jumps > allowed {
        problems.append(
          EvidenceProblem(
            .log,
            "sequence numbers jump \(jumps) times in \(records.count) records: the records read are damaged"))
      }
    }
    let backwards = zip(records, records.dropFirst()).filter {
      $1.timestampNanoseconds < $0.timestampNanoseconds
    }.count
    if backwards > allowed {
      problems.append(
        EvidenceProblem(
          .log,
          "timestamps go back \(backwards) times in \(records.count) records: the records read are damaged"))
    }
    let binary = records.filter { !$0.isTextLost && isBinary($0.text) }.count
    if binary > max(2, records.count / 8) {
      problems.append(
        EvidenceProblem(.log, "\(binary) of \(records.count) records hold binary bytes, not text"))
    }
    return problems
  }

  /// A record text is binary when a quarter of it is not text (`EvidenceFormat`).
  static func isBinary(_ text: [UInt8]) -> Bool {
    guard !text.isEmpty else { return false }
    return text.withUnsafeBufferPointer { EvidenceFormat.nonTextShare($0) } > EvidenceFormat.binaryShare
  }
}
