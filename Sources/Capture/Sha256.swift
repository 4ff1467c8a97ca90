import Bytes

/// SHA-256 (FIPS 180-4), for the checksums `crash.json` lists: the toolchain on
/// Linux has no CryptoKit and the project adds no package for one hash. OpenSSL's
/// libcrypto, when the system has it, is loaded at run time and does the work
/// (its assembly is several times faster); this implementation is the fallback
/// and the reference its tests pin.
public struct Sha256 {
  private var accelerated: LibcryptoSha256?
  private var state: [UInt32] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
  ]
  private var buffer: [UInt8] = []
  private var length: UInt64 = 0

  public init(useLibcrypto: Bool = true) {
    buffer.reserveCapacity(64)
    accelerated = useLibcrypto ? LibcryptoSha256() : nil
  }

  /// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots
  /// of the first 64 primes.
  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
  ]

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    if let accelerated {
      accelerated.update(bytes)
      return
    }
    length &+= UInt64(bytes.count)
    var index = 0
    if !buffer.isEmpty {
      let take = min(64 - buffer.count, bytes.count)
      buffer += bytes[0..<take]
      index = take
      if buffer.count == 64 {
        buffer.withUnsafeBytes { compress(block: $0.baseAddress!) }
        buffer.removeAll(keepingCapacity: true)
      }
    }
    while bytes.count - index >= 64 {
      compress(block: bytes.baseAddress! + index)
      index += 64
    }
    if index < bytes.count { buffer += bytes[index...] }
  }

  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// The digest; the hash is spent afterwards.
  public mutating func finish() -> [UInt8] {
    if let accelerated { return accelerated.finish() }
    let bits = length &* 8
    var tail: [UInt8] = [0x80]
    let used = (buffer.count + 1) % 64
    tail += [UInt8](repeating: 0, count: used <= 56 ? 56 - used : 120 - used)
    tail += (0..<8).reversed().map { UInt8(truncatingIfNeeded: bits >> (8 * UInt64($0))) }
    update(tail)
    return state.flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
  }

  /// The digest as 64 lowercase hex digits.
  public mutating func hexDigest() -> String {
    finish().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
  }

  private mutating func compress(block: UnsafeRawPointer) {
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
      for i in 0..<16 {
        w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
      }
      for i in 16..<64 {
        let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
        let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
      }
      var (a, b, c, d) = (state[0], state[1], state[2], state[3])
      var (e, f, g, h) = (state[4], state[5], state[6], state[7])
      for i in 0..<64 {
        let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let choice = (e & f) ^ (~e & g)
        let t1 = h &+ s1 &+ choice &+ Self.k[i] &+ w[i]
        let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let majority = (a & b) ^ (a & c) ^ (b & c)
        (h, g, f, e) = (g, f, e, d &+ t1)
        (d, c, b, a) = (c, b, a, t1 &+ s0 &+ majority)
      }
      state[0] &+= a
      state[1] &+= b
      state[2] &+= c
      state[3] &+= d
      state[4] &+= e
      state[5] &+= f
      state[6] &+= g
      state[7] &+= h
    }
  }

  @inline(__always) private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
}

/// libcrypto's SHA256_Init/Update/Final (OpenSSL 1.1 and 3), loaded at run time.
final class LibcryptoSha256 {
  typealias Initialize = @convention(c) (UnsafeMutableRawPointer?) -> Int32
  typealias Update = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> Int32
  typealias Final = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafeMutableRawPointer?) -> Int32

  struct Functions: @unchecked Sendable {
    let initialize: Initialize
    let update: Update
    let final: Final
  }

  static let functions: Functions? = {
    guard let library = SharedLibrary(["libcrypto.so.3", "libcrypto.so.1.1"]),
      let initialize = library.function("SHA256_Init", as: Initialize.self),
      let update = library.function("SHA256_Update", as: Update.self),
      let final = library.function("SHA256_Final", as: Final.self)
    else { return nil }
    return Functions(initialize: initialize, update: update, final: final)
  }()

  let functions: Functions
  /// SHA256_CTX is 112 bytes; room to spare.
  let context = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)

  init?() {
    guard let functions = Self.functions else {
      context.deallocate()
      return nil
    }
    self.functions = functions
    guard functions.initialize(context) == 1 else { return nil }
  }

  deinit { context.deallocate() }

  func update(_ bytes: UnsafeRawBufferPointer) {
    _ = functions.update(context, bytes.baseAddress, bytes.count)
  }

  func finish() -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: 32)
    _ = functions.final(&digest, context)
    return digest
  }
}
