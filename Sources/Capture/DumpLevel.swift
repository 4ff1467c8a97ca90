/// makedumpfile's dump level (`-d`, makedumpfile.8): a sum of the page classes to
/// leave out of the dump. 0 keeps everything, 31 keeps only what the kernel itself
/// needs.
public struct DumpLevel: OptionSet, Sendable, Hashable {
  public let rawValue: Int32
  public init(rawValue: Int32) { self.rawValue = rawValue }

  /// Pages filled with zeros (stored once, shared by every zero page).
  public static let zero = DumpLevel(rawValue: 1)
  /// Page cache without private data (PG_lru or swap cache, PG_private clear).
  public static let cacheWithoutPrivate = DumpLevel(rawValue: 2)
  /// Page cache with private data (buffer heads): all page cache.
  public static let cacheWithPrivate = DumpLevel(rawValue: 4)
  /// User process data: anonymous and hugetlbfs pages.
  public static let user = DumpLevel(rawValue: 8)
  /// Free pages (in the buddy allocator).
  public static let free = DumpLevel(rawValue: 16)

  public static let all: DumpLevel = [.zero, .cacheWithoutPrivate, .cacheWithPrivate, .user, .free]

  /// A level from 0 to 31, or nil.
  public init?(level: Int) {
    guard (0...31).contains(level) else { return nil }
    rawValue = Int32(level)
  }
}

/// Why a page was left out, as makedumpfile's statistics name them
/// (`--message-level 31`: "Pages filled with zero", "Non-private cache pages", ...).
public enum ExcludedClass: Int, Sendable, CaseIterable, CustomStringConvertible {
  case zero, cacheWithoutPrivate, cacheWithPrivate, user, free, hwpoison, offline

  public var description: String {
    switch self {
    case .zero: return "zero"
    case .cacheWithoutPrivate: return "cache"
    case .cacheWithPrivate: return "cache-private"
    case .user: return "user"
    case .free: return "free"
    case .hwpoison: return "hwpoison"
    case .offline: return "offline"
    }
  }
}
