/// The Adler-32 checksum that ends a zlib stream (RFC 1950 §8.2): two sums modulo 65521,
/// of the bytes and of the running first sum. zlib's `adler32()` is linked already, but
/// sums a byte at a time; here sixteen lanes sum their own bytes and the reduction to two
/// sums comes once per block, not once per sixteen bytes.
enum Adler32 {
  static let modulus: UInt32 = 65521
  /// Bytes summed between reductions: each lane's running sum of its first sums must stay
  /// below 2^32 (16-byte steps n: 255 n(n+1)/2 < 2^32 for n < 5803), and whole 16-byte
  /// steps; zlib's NMAX (5552) rounded down to a multiple of 16.
  static let block = 5536

  static func checksum(_ bytes: UnsafeRawPointer, count: Int) -> UInt32 {
    var first: UInt64 = 1
    var second: UInt64 = 0
    var offset = 0
    while offset < count {
      let end = min(count, offset + block)
      // With x[k][i] the byte i of step k, and n steps: the first sum gains the sum of all
      // bytes; the second gains 16 n times the first sum as it stood, 16 times the sum of
      // the bytes of each step before k over every k, and each byte weighted by 16 - i.
      // `lanes` keeps the per-lane bytes summed, `prefix` the per-lane sums of `lanes` as
      // they stood before each step; a lane's weight is the same at every step, so the
      // weighted bytes are its sum times its weight, once.
      var lanes = SIMD16<UInt32>()
      var prefix = SIMD16<UInt32>()
      var steps: UInt64 = 0
      while offset + 16 <= end {
        let wide = SIMD16<UInt32>(
          truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self))
        prefix &+= lanes
        lanes &+= wide
        offset += 16
        steps += 1
      }
      let laneSum = UInt64(lanes.wrappedSum())
      second += 16 * steps * first + 16 * Self.sum(prefix) + Self.sum(lanes &* weights)
      first += laneSum
      while offset < end {
        first += UInt64(bytes.load(fromByteOffset: offset, as: UInt8.self))
        second += first
        offset += 1
      }
      first %= UInt64(modulus)
      second %= UInt64(modulus)
    }
    return UInt32(second) << 16 | UInt32(first)
  }

  /// The lanes summed without wrapping: 16 lanes under 2^32 each.
  @inline(__always)
  private static func sum(_ lanes: SIMD16<UInt32>) -> UInt64 {
    let low = SIMD8<UInt64>(truncatingIfNeeded: lanes.lowHalf)
    let high = SIMD8<UInt64>(truncatingIfNeeded: lanes.highHalf)
    return (low &+ high).wrappedSum()
  }

  private static let weights = SIMD16<UInt32>(16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
}
