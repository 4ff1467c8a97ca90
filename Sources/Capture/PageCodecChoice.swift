import Codecs
import Dump

/// The page format a capture writes: the one asked for when its library loads, else zlib
/// (the system zlib the binary links, that every reader of the format reads), else raw
/// pages. A capture kernel whose initramfs lost a library must still save the dump; the
/// reason goes to crash.json (`note`).
struct PageCodecChoice: Equatable {
  /// The format written: the header's status bit and every page's flag (diskdump_mod.h).
  var codec: PageCodec
  /// Why `codec` is not the one asked for; nil when it is.
  var note: String?

  /// Tries `asked`, then zlib, then none, with `make` building a trial encoder (the
  /// writer's own `PageEncoder.init` outside tests).
  static func resolve(
    _ asked: PageCodec, pageSize: Int,
    make: (PageCodec, Int) throws -> PageEncoder = { try PageEncoder(codec: $0, pageSize: $1) }
  ) -> PageCodecChoice {
    var reasons: [String] = []
    for codec in [asked] + [PageCodec.zlib, .none].filter({ $0 != asked }) {
      do {
        _ = try make(codec, pageSize)
        guard codec != asked else { return PageCodecChoice(codec: asked) }
        let failures = reasons.joined(separator: "; ")
        return PageCodecChoice(
          codec: codec,
          note:
            "\(asked.rawValue) pages cannot be written (\(failures)): \(codec.rawValue) pages written instead"
        )
      } catch {
        reasons.append("\(codec.rawValue): \(error)")
      }
    }
    // PageEncoder(codec: .none) allocates nothing and cannot fail.
    return PageCodecChoice(codec: .none, note: "no page format loads (\(reasons.joined(separator: "; ")))")
  }
}
