import XCTest

@testable import Capture

/// The samples the guesses before compression read (`SampledBytes`): distinct values and
/// zeros counted as a set of the sampled bytes would, every value 0 to 255 included.
final class SampledBytesTests: XCTestCase {
  private func expected(_ page: [UInt8], from first: Int, stride: Int) -> (distinct: Int, zeros: Int) {
    let samples = Swift.stride(from: first, to: page.count, by: stride).map { page[$0] }
    return (Set(samples).count, samples.filter { $0 == 0 }.count)
  }

  func testCountsMatchASetOfTheSampledBytes() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    // Pages of 1 to 256 values (all 256 sampled in the largest: the sum of flags must not
    // wrap), at page sizes and strides captures use and a few they do not.
    for (size, stride) in [(4096, 32), (4096, 1), (8192, 32), (65536, 32), (1024, 3)] {
      for values in [1, 2, 17, 100, 256] {
        var page = (0..<size).map { _ in UInt8(truncatingIfNeeded: Int(next()) % values) }
        if values == 256 && stride == 1 {
          for value in 0..<256 { page[value] = UInt8(value) }
        }
        for first in [0, 7] {
          let counted = page.withUnsafeBytes {
            SampledBytes.count($0.baseAddress!, size: size, from: first, stride: stride, countingZeros: true)
          }
          let want = expected(page, from: first, stride: stride)
          let label = "size \(size) stride \(stride) values \(values) from \(first)"
          XCTAssertEqual(counted.distinct, want.distinct, label)
          XCTAssertEqual(counted.zeros, want.zeros, label)
        }
      }
    }
    // A page of every value, each at a sampled offset: 256 distinct.
    let every = (0..<8192).map { UInt8(truncatingIfNeeded: $0 / 32) }
    let counted = every.withUnsafeBytes {
      SampledBytes.count($0.baseAddress!, size: 8192, from: 0, stride: 32, countingZeros: false)
    }
    XCTAssertEqual(counted.distinct, 256)
  }
}
