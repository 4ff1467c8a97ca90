/// Follows one host's printk sequence numbers (or netconsole `msgid`s) to count
/// records that never arrived and streams that started over.
///
/// printk numbers every record of a boot from 0 (kernel/printk/printk_ringbuffer.c);
/// extended netconsole sends that number. A number past the next expected one
/// leaves a gap: lost on the wire, or (for `seq`) a record the sender's console
/// loglevel filtered; `msgid` (netconsole sysdata) counts only what netconsole
/// sent, so its gaps are losses alone. A gap filled later was reordering, not loss.
/// A number at or below the highest seen that fills no gap is either a repeat
/// (UDP may duplicate: same number, same printk timestamp as a recent record) or a
/// new boot, which numbers from 0 again.
public struct PrintkSequenceTracker: Sendable {
  /// Numbers skipped and still awaited, oldest first; bounded by `window`.
  private var missing: Set<UInt64> = []
  public private(set) var highest: UInt64?
  public private(set) var lost: Int64 = 0
  public private(set) var reordered: Int64 = 0
  public private(set) var duplicates: Int64 = 0
  public private(set) var restarts: Int64 = 0
  /// How far back a late record still fills its gap.
  public let window: UInt64
  /// The timestamps of the last records, by number, to recognise repeats.
  private var recent: [UInt64: UInt64] = [:]
  private var recentOrder: [UInt64] = []
  private var recentNext = 0
  static let recentCount = 128

  public init(window: UInt64 = 1024) {
    self.window = window
  }

  public enum Verdict: Sendable, Equatable { case next, gap(UInt64), late, duplicate, restart, first }

  /// `timestamp` is the record's printk time, which tells a repeat from a reboot.
  public mutating func observe(_ number: UInt64, timestamp: UInt64) -> Verdict {
    let verdict = classify(number, timestamp: timestamp)
    if verdict != .duplicate { remember(number, timestamp) }
    return verdict
  }

  private mutating func remember(_ number: UInt64, _ timestamp: UInt64) {
    if recentOrder.count < Self.recentCount {
      recentOrder.append(number)
    } else {
      recent[recentOrder[recentNext]] = nil
      recentOrder[recentNext] = number
      recentNext = (recentNext + 1) % Self.recentCount
    }
    recent[number] = timestamp
  }

  private mutating func classify(_ number: UInt64, timestamp: UInt64) -> Verdict {
    guard let top = highest else {
      highest = number
      return .first
    }
    if number == top &+ 1 {
      highest = number
      return .next
    }
    if number > top {
      let gap = number - top - 1
      lost += Int64(clamping: gap)
      // Remember the most recent skipped numbers so late arrivals can be credited.
      let remembered = min(gap, window)
      for skipped in (number - remembered)..<number { missing.insert(skipped) }
      if missing.count > Int(window) * 2 { missing = missing.filter { $0 + window >= number } }
      highest = number
      return .gap(gap)
    }
    if missing.remove(number) != nil {
      lost -= 1
      reordered += 1
      return .late
    }
    if recent[number] == timestamp {
      duplicates += 1
      return .duplicate
    }
    restarts += 1
    missing.removeAll()
    recent.removeAll()
    recentOrder.removeAll()
    recentNext = 0
    highest = number
    return .restart
  }

  /// A new boot announced some other way (the release changed).
  public mutating func restart() {
    restarts += 1
    missing.removeAll()
    recent.removeAll()
    recentOrder.removeAll()
    recentNext = 0
    highest = nil
  }
}
