/// The kernel's taint flags as `print_tainted()` shows them (`Tainted: G    B   O`),
/// with their meanings from `taint_flags[]` in kernel/panic.c and
/// Documentation/admin-guide/tainted-kernels.rst.
public struct Taint: Sendable, Hashable, Codable {
  /// The set letters, in the kernel's order; `G` (GPL-only, i.e. not `P`) and
  /// blanks are dropped. Empty for `Not tainted`.
  public var flags: String
  public var meanings: [String]

  static let meaningOfFlag: [Character: String] = [
    "P": "proprietary module loaded",
    "F": "module force loaded",
    "S": "kernel running on an out of specification system",
    "R": "module force unloaded",
    "M": "processor reported a machine check exception",
    "B": "bad page referenced or unexpected page flags",
    "U": "taint requested by userspace",
    "D": "kernel died recently (OOPS or BUG)",
    "A": "ACPI table overridden by user",
    "W": "kernel issued a warning",
    "C": "staging driver loaded",
    "I": "workaround for bug in platform firmware applied",
    "O": "out-of-tree module loaded",
    "E": "unsigned module loaded",
    "L": "soft lockup occurred",
    "K": "kernel has been live patched",
    "X": "auxiliary taint (distribution-defined)",
    "T": "kernel built with the struct randomization plugin",
    "N": "in-kernel test has been run",
  ]

  public init(flags: String) {
    let letters = flags.filter { $0 != "G" && $0 != " " && Taint.meaningOfFlag[$0] != nil }
    self.flags = String(letters)
    self.meanings = letters.compactMap { Taint.meaningOfFlag[$0] }
  }

  /// From the text after `Tainted: ` (`G    B   O      6.1.0 #1`): the flag
  /// columns end at the release, which starts with a digit.
  static func parse(afterTainted text: Substring) -> (Taint, rest: Substring) {
    var end = text.startIndex
    while end < text.endIndex, text[end] == " " || (text[end].isLetter && text[end].isUppercase) {
      end = text.index(after: end)
    }
    return (Taint(flags: String(text[..<end])), text[end...].drop(while: { $0 == " " }))
  }
}
