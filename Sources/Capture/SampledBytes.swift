/// A page's bytes sampled one every `stride` from `first`: how many distinct values they
/// take, and how many are zero. The guesses about a page made before compressing it
/// (`IncompressiblePage`, `SparsePage`) read these samples, not the whole page.
enum SampledBytes {
  /// A flag byte per byte value, in a 256-byte table on the stack: each sample is one
  /// store that waits on no other, and the flags are summed 32 at a time after. A bit per
  /// value or'ed into one of four words made each sample wait on the last one that chose
  /// the same word (a load and a store to one address): both samplers of a page took 0.24
  /// us that way and 0.16 with the table (the lab's 5.10 dump's first 20,000 pages not zero).
  /// Zeros are counted only when `countingZeros` (a constant where this is inlined).
  @inline(__always)
  static func count(
    _ page: UnsafeRawPointer, size: Int, from first: Int, stride: Int, countingZeros: Bool
  ) -> (distinct: Int, zeros: Int) {
    withUnsafeTemporaryAllocation(of: SIMD32<UInt8>.self, capacity: 8) { table in
      let lanes = table.baseAddress!
      lanes.initialize(repeating: .zero, count: 8)
      let flags = UnsafeMutableRawPointer(lanes).assumingMemoryBound(to: UInt8.self)
      var zeros = 0
      var offset = first
      while offset < size {
        let byte = page.load(fromByteOffset: offset, as: UInt8.self)
        flags[Int(byte)] = 1
        if countingZeros { zeros &+= byte == 0 ? 1 : 0 }
        offset &+= stride
      }
      // Each of the 32 lanes sums 8 flags (at most 8), so no lane overflows; a multiply
      // then adds up each 64-bit word's 8 lanes in its top byte (at most 64).
      var sum = lanes[0]
      for index in 1..<8 { sum &+= lanes[index] }
      let words = unsafeBitCast(sum, to: SIMD4<UInt64>.self) &* 0x0101_0101_0101_0101
      return (Int(truncatingIfNeeded: (words &>> 56).wrappedSum()), zeros)
    }
  }
}
