/// The format of a piece of evidence, told once from its first bytes (or, for a
/// folder, its file names), before anything reads it.
public enum EvidenceFormat: Sendable, Equatable, CustomStringConvertible {
  /// A kernel dump: ELF (`\x7fELF`), kdump-compressed (`KDUMP   `, `DISKDUMP`) or a
  /// flattened stream (`makedumpfile`); Dump tells them apart when it opens the file.
  case vmcore
  /// Text a console, dmesg, journalctl or netconsole printed.
  case text
  /// A folder of pstore records, or one `coroner pstore` wrote.
  case pstoreFolder
  /// A systemd journal file (`LPKSHHRH`, systemd's journal-def.h): its entries are
  /// read by `journalctl`, not here.
  case journalFile
  /// Bytes that are neither a dump nor text: `share` is the fraction of bytes in the
  /// sample that no log holds (controls, NULs, invalid UTF-8).
  case binary(share: Double)

  public var description: String {
    switch self {
    case .vmcore: return "vmcore"
    case .text: return "text"
    case .pstoreFolder: return "pstore folder"
    case .journalFile: return "systemd journal file"
    case .binary(let share): return "binary data (\(Int(share * 100))% non-text bytes)"
    }
  }

  /// The dump signatures Dump reads (docs/vmcore-format.md): ELF, kdump-compressed
  /// and its predecessor, and makedumpfile's flattened stream.
  static let dumpSignatures: [[UInt8]] = [
    [0x7F, 0x45, 0x4C, 0x46], Array("KDUMP   ".utf8), Array("DISKDUMP".utf8), Array("makedumpfile".utf8),
  ]
  /// `struct Header.signature` of systemd's src/libsystemd/sd-journal/journal-def.h.
  static let journalSignature = Array("LPKSHHRH".utf8)

  /// How many bytes from the start `sniff` looks at.
  public static let sampleSize = 64 << 10
  /// Above this share of non-text bytes, a file is binary. Real logs carry a few NULs
  /// and escapes from serial lines; random bytes are about half non-text, and the
  /// headers of a dump whose signature is damaged are mostly zeros.
  public static let binaryShare = 0.25

  /// The format of a file from its first bytes (at most `sampleSize` of them).
  public static func sniff(_ sample: UnsafeBufferPointer<UInt8>) -> EvidenceFormat {
    let head = sample.prefix(16)
    if dumpSignatures.contains(where: { head.starts(with: $0) }) { return .vmcore }
    if head.starts(with: journalSignature) { return .journalFile }
    let share = nonTextShare(UnsafeBufferPointer(rebasing: sample.prefix(sampleSize)))
    return share > binaryShare ? .binary(share: share) : .text
  }

  public static func sniff(_ bytes: [UInt8]) -> EvidenceFormat {
    bytes.withUnsafeBufferPointer { sniff($0) }
  }

  /// The share of bytes a log does not hold: C0 controls other than tab, newline,
  /// carriage return, form feed and escape; DEL; and bytes that are not part of a
  /// well-formed UTF-8 sequence (RFC 3629 §4). A sequence cut by the sample's end counts
  /// as text.
  static func nonTextShare(_ bytes: UnsafeBufferPointer<UInt8>) -> Double {
    guard !bytes.isEmpty else { return 0 }
    var bad = 0
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      if byte < 0x80 {
        if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D && byte != 0x0C && byte != 0x1B)
          || byte == 0x7F
        {
          bad += 1
        }
        index += 1
        continue
      }
      let length = utf8SequenceLength(byte)
      guard length > 1 else {
        bad += 1
        index += 1
        continue
      }
      var valid = true
      for next in 1..<length where index + next < bytes.count {
        if bytes[index + next] & 0xC0 != 0x80 {
          valid = false
          break
        }
      }
      if valid {
        index += length
      } else {
        bad += 1
        index += 1
      }
    }
    return Double(bad) / Double(bytes.count)
  }

  /// The length a UTF-8 lead byte announces; 0 for a continuation or invalid byte.
  static func utf8SequenceLength(_ lead: UInt8) -> Int {
    switch lead {
    case 0xC2...0xDF: return 2
    case 0xE0...0xEF: return 3
    case 0xF0...0xF4: return 4
    default: return 0
    }
  }
}
