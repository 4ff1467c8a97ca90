/// Finds the kallsyms tables in a kernel image whose VMCOREINFO does not list them
/// (before 6.0), from what scripts/kallsyms.c writes into .rodata, each table under
/// an 8-byte-aligned label, in this order: `kallsyms_offsets` (one int per symbol),
/// `kallsyms_relative_base` (a quad), `kallsyms_num_syms` (an int), `kallsyms_names`,
/// `kallsyms_markers`, `kallsyms_token_table`, `kallsyms_token_index`.
///
/// The anchor is the token table: bytes that stand for themselves keep one-character
/// tokens, and every symbol set uses the ten digits, so `"0\0" "1\0" ... "9\0"` lies in
/// it, at the digits' places in `kallsyms_token_index`. From there the relative base
/// is the quad behind which a plausible symbol count sits, and the choice is proved
/// by decoding `_stext` at the address VMCOREINFO gives.
public enum KallsymsScan {
  /// How far past `_stext` the image is searched (vmlinux's text and rodata).
  static let imageSpan: UInt64 = 96 << 20
  static let chunk = 1 << 20
  static let digits: [UInt8] = Array("0\u{0}1\u{0}2\u{0}3\u{0}4\u{0}5\u{0}6\u{0}7\u{0}8\u{0}9\u{0}".utf8)

  public static func locate(
    memory: KernelMemorySource, stext: UInt64, release: String?
  ) throws -> KallsymsLocation {
    var address = stext
    let end = stext &+ imageSpan
    var misses = 0
    while address < end {
      guard let bytes = try? memory.read(address, count: chunk + digits.count) else {
        // Past the image's mapped part: give up after a few unmapped megabytes.
        misses += 1
        if misses > 8 { break }
        address += UInt64(chunk)
        continue
      }
      var from = 0
      while let index = find(digits, in: bytes, from: from) {
        if let location = try? candidate(
          memory: memory, digits: address + UInt64(index), stext: stext, release: release)
        {
          return location
        }
        from = index + 1
      }
      address += UInt64(chunk)
    }
    throw SymbolsError(
      .missing, path: "kernel image at 0x\(String(stext, radix: 16))",
      expected:
        "kallsyms tables (VMCOREINFO has no SYMBOL(kallsyms_names) before Linux 6.0, and no token table was found)"
    )
  }

  static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
    guard haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
    var index = from
    let first = needle[0]
    while index <= haystack.count - needle.count {
      if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) {
        return index
      }
      index += 1
    }
    return nil
  }

  /// The tables around a `"0\0"..."9\0"` run at `digits`, or nil.
  static func candidate(
    memory: KernelMemorySource, digits: UInt64, stext: UInt64, release: String?
  ) throws -> KallsymsLocation? {
    // kallsyms_token_index: 256 shorts, 8-aligned, within a few KB after the run.
    let after = try memory.read(digits, count: 8192)
    var tokenIndex: UInt64?
    var tokenTable: UInt64 = 0
    for offset in stride(from: Int((8 - digits % 8) % 8), to: after.count - 512, by: 8) {
      func short(_ n: Int) -> Int { Int(after[offset + 2 * n]) | Int(after[offset + 2 * n + 1]) << 8 }
      guard short(0) == 0 else { continue }
      let zero = short(0x30)
      guard (0..<10).allSatisfy({ short(0x30 + $0) == zero + 2 * $0 }), UInt64(zero) <= digits else {
        continue
      }
      tokenIndex = digits + UInt64(offset)
      tokenTable = digits - UInt64(zero)
      break
    }
    guard let tokenIndex, tokenTable % 8 == 0 else { return nil }
    // kallsyms_relative_base: searched backwards over names and markers.
    let window = 8 << 20
    let start = tokenTable >= UInt64(window) ? tokenTable - UInt64(window) : 0
    let (before, _, _) = readAvailable(memory, start, count: Int(tokenTable - start))
    var offset = (before.count - 16) / 8 * 8
    while offset >= 0 {
      defer { offset -= 8 }
      let base = le64(before, at: offset)
      let count = UInt64(le32(before, at: offset + 8))
      guard base >= 0xffff_ffff_8000_0000, base <= stext, base & 0xfff == 0, count >= 1000, count <= 4_000_000
      else { continue }
      let relativeBase = start + UInt64(offset)
      let offsets = relativeBase - (4 * count + 7) / 8 * 8
      let symbols = [
        "kallsyms_names": relativeBase + 16, "kallsyms_num_syms": relativeBase + 8,
        "kallsyms_token_table": tokenTable, "kallsyms_token_index": tokenIndex, "kallsyms_offsets": offsets,
        "kallsyms_relative_base": relativeBase, "_stext": stext,
      ]
      let location = try KallsymsLocation(symbols: symbols, release: release)
      // Proved only if the whole table decodes with _stext where it belongs.
      if (try? Kallsyms.read(from: memory, at: location)) != nil { return location }
    }
    return nil
  }

  static func readAvailable(
    _ memory: KernelMemorySource, _ address: UInt64, count: Int
  ) -> ([UInt8], Int, Int) {
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let take = min(count - done, 4096 - Int((address + UInt64(done)) & 0xfff))
      if let chunk = try? memory.read(address + UInt64(done), count: take) {
        bytes.replaceSubrange(done..<done + take, with: chunk)
      }
      done += take
    }
    return (bytes, 0, 0)
  }
}
