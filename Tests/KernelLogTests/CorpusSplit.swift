/// The corpus is split once, by a fixed seed, into a tuning part (70%) and a
/// check part (30%). Rules are changed while looking at the tuning part's misses
/// only; the check part says whether a change generalizes. A change that raises
/// the tuning score and lowers the check score fits the corpus, not the kernel.
enum CorpusSplit {
  enum Part: String, CaseIterable { case tuning, check }

  /// Changing the seed reshuffles the parts and voids every number recorded
  /// against them: keep it.
  static let seed = "coroner-corpus-split-1"

  /// FNV-1a over the seed and the file's name: stable across runs, machines and
  /// Swift versions (unlike `Hasher`, which is seeded per process).
  static func part(of name: String) -> Part {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in (seed + "/" + name).utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash % 100 < 70 ? .tuning : .check
  }
}
