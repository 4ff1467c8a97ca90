import Dump
import Foundation

/// Damaged copies of a real kdump-compressed dump, generated from its own structure:
/// cuts anywhere and inside the page data, bits flipped in stored pages, VMCOREINFO
/// sizes and offsets made impossible, signatures broken. Seeded, so a failure names a
/// mutant that can be made again.
struct DumpMutator {
  /// One damaged copy and how it was made.
  struct Mutant {
    var name: String
    var bytes: [UInt8]
    /// Whether the damage touches the evidence's structures at all (a cut or flip
    /// inside bytes the dump never reads may change nothing).
    var family: Family
  }

  enum Family: String, CaseIterable {
    case truncation, pageBits, vmcoreInfo, signature
  }

  let original: [UInt8]
  /// `(offset, size)` of every stored page's data, from the `page_desc` table.
  let pages: [(offset: Int, size: Int)]
  /// Where the page data starts (after the descriptors).
  let dataStart: Int
  var random: SplitMix64

  init(path: String, seed: UInt64) throws {
    original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let dump = try KdumpCompressedDump(source: MemoryByteSource(name: path, bytes: original))
    let header = dump.header
    // disk_dump_header, sub-header and both bitmaps come first (makedumpfile's
    // diskdump_mod.h); `struct page_desc` is {offset i64, size u32, flags u32, page_flags u64}.
    let descriptors = (1 + header.subHeaderBlocks + Int(header.bitmapBlocks)) * header.blockSize
    var pages: [(Int, Int)] = []
    for index in 0..<Int(dump.dumpedPages) {
      let at = descriptors + index * 24
      guard at + 24 <= original.count else { break }
      let offset = Int(Self.u64(original, at))
      let size = Int(Self.u32(original, at + 8))
      if offset > 0, size > 0, offset + size <= original.count { pages.append((offset, size)) }
    }
    self.pages = pages
    dataStart = descriptors + Int(dump.dumpedPages) * 24
    random = SplitMix64(seed: seed)
  }

  /// `count` mutants of every family.
  mutating func mutants(perFamily count: Int) -> [Mutant] {
    Family.allCases.flatMap { family in (0..<count).compactMap { _ in mutant(family) } }
  }

  mutating func mutant(_ family: Family) -> Mutant? {
    switch family {
    case .truncation:
      // Half the cuts fall inside the page data, where the headers are all whole.
      let inData = random.next() % 2 == 0 && dataStart < original.count
      let low = inData ? dataStart : 1
      let at = low + Int(random.next() % UInt64(original.count - low))
      return Mutant(name: "cut at \(at)", bytes: Array(original.prefix(at)), family: family)
    case .pageBits:
      // A bit flipped in every stored page, or in a random quarter of them.
      guard !pages.isEmpty else { return nil }
      var bytes = original
      let all = random.next() % 2 == 0
      var flipped = 0
      for page in pages where all || random.next() % 4 == 0 {
        let at = page.offset + Int(random.next() % UInt64(page.size))
        bytes[at] ^= UInt8(1) << (random.next() % 8)
        flipped += 1
      }
      return Mutant(
        name: "\(flipped) of \(pages.count) pages with a bit flipped", bytes: bytes, family: family)
    case .vmcoreInfo:
      return vmcoreInfoMutant()
    case .signature:
      var bytes = original
      let at = Int(random.next() % 8)
      bytes[at] ^= UInt8(1 + random.next() % 255)
      return Mutant(name: "signature byte \(at) changed", bytes: bytes, family: family)
    }
  }

  /// A `SIZE(...)` or `OFFSET(...)` of VMCOREINFO given an impossible value in every
  /// copy the file holds (the sub-header and the note), its length kept so no other
  /// structure moves: zero, all nines, or for an offset its struct's own size
  /// (one past its last byte).
  mutating func vmcoreInfoMutant() -> Mutant? {
    let text = String(decoding: original, as: UTF8.self)
    let entries = VmcoreInfoLines.entries(in: text).filter {
      $0.key.hasPrefix("SIZE(") || $0.key.hasPrefix("OFFSET(")
    }
    guard !entries.isEmpty else { return nil }
    let entry = entries[Int(random.next() % UInt64(entries.count))]
    let width = entry.value.count
    var value: String
    switch random.next() % 3 {
    case 0: value = String(repeating: "0", count: width)
    case 1: value = String(repeating: "9", count: width)
    default:
      // OFFSET(s.f) = SIZE(s): the field starts where the struct ends.
      let structure = entry.key.dropFirst("OFFSET(".count).prefix { $0 != "." }
      guard entry.key.hasPrefix("OFFSET("),
        let size = entries.first(where: { $0.key == "SIZE(\(structure))" }),
        size.value.count <= width
      else { value = String(repeating: "0", count: width); break }
      value = String(repeating: "0", count: width - size.value.count) + size.value
    }
    let old = Array("\(entry.key)=\(entry.value)\n".utf8)
    let new = Array("\(entry.key)=\(value)\n".utf8)
    var bytes = original
    var index = 0
    var replaced = 0
    while index + old.count <= bytes.count {
      if bytes[index] == old[0], bytes[index..<index + old.count].elementsEqual(old) {
        bytes.replaceSubrange(index..<index + old.count, with: new)
        replaced += 1
        index += old.count
      } else {
        index += 1
      }
    }
    guard replaced > 0 else { return nil }
    return Mutant(name: "\(entry.key)=\(value) (was \(entry.value))", bytes: bytes, family: .vmcoreInfo)
  }

  static func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
    (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
  }

  static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
  }
}

/// `KEY=VALUE` lines of a VMCOREINFO text found anywhere in a file
/// (Documentation/admin-guide/kdump/vmcoreinfo.rst), read without Dump's parser.
enum VmcoreInfoLines {
  static func entries(in text: String) -> [(key: String, value: String)] {
    var seen = Set<String>()
    var entries: [(String, String)] = []
    for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\0" }) {
      guard let equals = line.firstIndex(of: "="), line.first?.isUppercase == true else { continue }
      let key = String(line[..<equals])
      let value = String(line[line.index(after: equals)...])
      guard key.hasSuffix(")"), !value.isEmpty, value.allSatisfy(\.isNumber), seen.insert(key).inserted else {
        continue
      }
      entries.append((key, value))
    }
    return entries
  }
}

/// A small seeded generator (SplitMix64, Steele et al. 2014): the same seed gives the
/// same mutants on every machine.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
