/// Something missing or damaged in a piece of evidence: what a report rests on, so a
/// reader knows how far to trust it. Carried in `CauseOfDeath.problems` and its JSON.
public struct EvidenceProblem: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Which part of the evidence the problem is in.
  public enum Part: String, Sendable, Hashable, Codable {
    /// The dump file itself: truncation, an incomplete or split dump, notes.
    case dump
    /// The kernel log (the dump's printk buffer, a pstore record): records lost or
    /// damaged, so a crash may be missing from it.
    case log
    /// The symbols of the dead kernel (kallsyms, the module list): names may be missing.
    case symbols
    /// The kernel stack or registers of the crashing CPU.
    case stack
    /// The dead kernel's tasks, their stacks and the locks they wait for, read from
    /// memory with its BTF and ORC.
    case tasks
  }

  public var part: Part
  /// What is missing or damaged, in the terms of the format or the kernel structure.
  public var message: String

  public init(_ part: Part, _ message: String) {
    self.part = part
    self.message = message
  }

  /// Whether the problem can hide a crash: the log is where crashes are found.
  public var damagesLog: Bool { part == .log }

  public var description: String { "\(part.rawValue): \(message)" }
}
