import TestSupport
import XCTest

@testable import Codecs

/// PageDeflater's streams are ones zlib's inflate reads back to the page.
final class PageDeflaterTests: XCTestCase {
  private func pseudoRandom(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 56)
    }
  }

  /// Pages that exercise literals only, long runs (258-byte matches), far and near
  /// distances, both codes, and kernel-like words (pointers with common high bytes).
  private func pages(size: Int) -> [[UInt8]] {
    var pointers = [UInt8]()
    var state: UInt64 = 7
    while pointers.count < size {
      state = state &* 6_364_136_223_846_793_005 &+ 1
      let pointer = 0xFFFF_8880_0000_0000 | (state >> 40) << 6
      withUnsafeBytes(of: pointer.littleEndian) { pointers.append(contentsOf: $0) }
    }
    let random = pseudoRandom(size, seed: 3)
    var halfRandom = random
    for index in stride(from: 0, to: size, by: 2) { halfRandom[index] = 0 }
    return [
      [UInt8](repeating: 0x41, count: size),
      (0..<size).map { UInt8(truncatingIfNeeded: ($0 * 7) % 61 + 32) },
      Array(String(repeating: "kernel page of a crashed machine ", count: size / 8).utf8.prefix(size)),
      Array(pointers.prefix(size)),
      halfRandom,
      (0..<size).map { UInt8(truncatingIfNeeded: $0 / 3) },
      Array(random.prefix(size / 2)) + Array(random.prefix(size - size / 2)),
    ]
  }

  private func roundTrip(
    _ deflater: PageDeflater, _ page: [UInt8], _ what: String, shortMatches: Bool = true
  ) throws -> Int? {
    var output = [UInt8](repeating: 0xAA, count: deflater.outputCapacity)
    let size = page.withUnsafeBytes { input in
      output.withUnsafeMutableBytes {
        deflater.compress(input.baseAddress!, into: $0.baseAddress!, shortMatches: shortMatches)
      }
    }
    guard let size else { return nil }
    XCTAssertLessThan(size, page.count, what)
    XCTAssertEqual(output[0], 0x78, what)
    XCTAssertEqual((Int(output[0]) << 8 | Int(output[1])) % 31, 0, "\(what): header check bits")
    XCTAssertEqual(try Zlib.inflate(Array(output[0..<size]), format: .zlib), page, what)
    return size
  }

  func testPagesInflateWithZlib() throws {
    for pageSize in [4096, 16384, 65536] {
      try pagesInflate(PageDeflater(pageSize: pageSize))
      // Every match-finding path: 3-byte hashes and matches, lazy evaluation, matches
      // whose inside positions are left out of the tables.
      try pagesInflate(
        PageDeflater(
          pageSize: pageSize,
          settings: .init(hashedBytes: 3, lazyBelow: 32, insertBelow: 8, farthestThree: 4096)))
    }
  }

  private func pagesInflate(_ deflater: PageDeflater) throws {
    let pageSize = deflater.pageSize
    // Twice over: the second round finds the first round's positions in its tables,
    // which must not be taken for matches in the new page.
    for round in 0..<2 {
      for (index, page) in pages(size: pageSize).enumerated() {
        let size = try roundTrip(deflater, page, "page size \(pageSize) page \(index) round \(round)")
        XCTAssertNotNil(size, "page size \(pageSize) page \(index) compresses")
      }
    }
  }

  /// Pages stitched from runs, copies of earlier bytes at every distance and length,
  /// and noise, in every search setting the encoder has: each one inflates back.
  func testMixedPagesInflateWithZlib() throws {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    func next(_ bound: Int) -> Int {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Int(state % UInt64(bound))
    }
    let searches: [PageDeflater.Search] = [
      .kernelPages, .init(), .init(goodEnough: 258, lazyBelow: 258),
      .init(goodEnough: 4, hashBits: 8, hashedBytes: 3, lazyBelow: 8, insertBelow: 0, farthestThree: 4096),
    ]
    for (index, search) in searches.enumerated() {
      for pageSize in [4096, 65536] {
        let deflater = PageDeflater(pageSize: pageSize, settings: search)
        for round in 0..<(pageSize == 4096 ? 60 : 6) {
          var page = [UInt8]()
          while page.count < pageSize {
            switch next(3) {
            case 0: page += [UInt8](repeating: UInt8(next(256)), count: 1 + next(300))
            case 1 where !page.isEmpty:
              let from = next(page.count)
              for step in 0..<(3 + next(300)) { page.append(page[from + step % (page.count - from)]) }
            default: page += (0..<(1 + next(40))).map { _ in UInt8(next(256)) }
            }
          }
          page.removeLast(page.count - pageSize)
          _ = try roundTrip(deflater, page, "search \(index) page size \(pageSize) round \(round)")
          _ = try roundTrip(
            deflater, page, "search \(index) page size \(pageSize) round \(round), long matches",
            shortMatches: false)
        }
      }
    }
  }

  /// Without short matches, the kernel pages' search is `Search.longMatches` (its own
  /// copy of the loop, constants folded in): the same streams as a deflater built with
  /// those settings, each inflating back, and some unlike the 3-byte search's.
  func testKernelPagesWithoutShortMatchesAreTheLongMatchSearch() throws {
    let kernel = PageDeflater(pageSize: 4096, settings: .kernelPages)
    let long = PageDeflater(pageSize: 4096, settings: .longMatches)
    XCTAssertEqual(PageDeflater.Search.longMatches.hashedBytes, 4)
    XCTAssertEqual(PageDeflater.Search.longMatches.farthestThree, 0)
    var differ = 0
    for (index, page) in pages(size: 4096).enumerated() {
      func stream(_ deflater: PageDeflater, _ shortMatches: Bool) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: deflater.outputCapacity)
        let size = page.withUnsafeBytes { input in
          output.withUnsafeMutableBytes {
            deflater.compress(input.baseAddress!, into: $0.baseAddress!, shortMatches: shortMatches)
          }
        }
        return size.map { Array(output[0..<$0]) }
      }
      let withoutShort = stream(kernel, false)
      XCTAssertEqual(withoutShort, stream(long, true), "page \(index)")
      XCTAssertEqual(withoutShort, stream(long, false), "page \(index): other settings ignore the flag")
      if withoutShort != stream(kernel, true) { differ += 1 }
      if let withoutShort {
        XCTAssertEqual(try Zlib.inflate(withoutShort, format: .zlib), page, "page \(index)")
      }
    }
    XCTAssertGreaterThan(differ, 0, "3-byte matches change some page's stream")
  }

  func testRandomPageIsNotWritten() throws {
    let deflater = PageDeflater(pageSize: 4096)
    XCTAssertNil(try roundTrip(deflater, pseudoRandom(4096, seed: 11), "random page"))
    // And the next page still compresses.
    XCTAssertNotNil(try roundTrip(deflater, [UInt8](repeating: 1, count: 4096), "page after a random one"))
  }

  func testTinyPages() throws {
    for size in [1, 3, 4, 5, 9, 64] {
      let deflater = PageDeflater(pageSize: size)
      let page = (0..<size).map { UInt8(truncatingIfNeeded: $0 % 2) }
      // Too small to shrink below the stream's six bytes of framing, or round-tripped.
      _ = try roundTrip(deflater, page, "page of \(size) bytes")
    }
  }

  func testSmallerThanZlibOnKernelLikePages() throws {
    let deflater = PageDeflater(pageSize: 4096)
    let zlib = try Zlib.Deflater(level: 1)
    var ours = 0
    var theirs = 0
    for page in pages(size: 4096) {
      var output = [UInt8](repeating: 0, count: Zlib.bound(4096))
      let reference = try XCTUnwrap(
        page.withUnsafeBytes { input in
          output.withUnsafeMutableBytes {
            zlib.deflate(input.baseAddress!, count: 4096, into: $0.baseAddress!, capacity: $0.count)
          }
        })
      theirs += reference
      ours += try roundTrip(deflater, page, "kernel-like page") ?? 4096
    }
    XCTAssertLessThanOrEqual(ours, theirs, "bytes written against zlib level 1's")
  }

  /// A page's stream depends on the page alone, not on the pages compressed before it:
  /// the same dump whatever the threads or the point a capture resumed from.
  func testStreamsDependOnThePageAlone() throws {
    let all = pages(size: 4096)
    let fresh = all.map { page in
      try? roundTrip(PageDeflater(pageSize: 4096, settings: .kernelPages), page, "fresh")
    }
    let deflater = PageDeflater(pageSize: 4096, settings: .kernelPages)
    for round in 0..<2 {
      for (index, page) in all.enumerated().reversed() {
        var first = [UInt8](repeating: 0, count: deflater.outputCapacity)
        var second = first
        let sizes = page.withUnsafeBytes { input in
          (
            first.withUnsafeMutableBytes { deflater.compress(input.baseAddress!, into: $0.baseAddress!) },
            second.withUnsafeMutableBytes {
              PageDeflater(pageSize: 4096, settings: .kernelPages).compress(
                input.baseAddress!, into: $0.baseAddress!)
            }
          )
        }
        XCTAssertEqual(sizes.0, fresh[index], "page \(index) round \(round)")
        XCTAssertEqual(sizes.0, sizes.1, "page \(index) round \(round)")
        if let size = sizes.0 {
          XCTAssertEqual(first[0..<size], second[0..<size], "page \(index) round \(round)")
        }
      }
    }
  }

  /// Pages after other pages, and after themselves, in the deepest setting.
  func testPagesAfterPages() throws {
    let deflater = PageDeflater(pageSize: 4096, settings: .init(goodEnough: 258, lazyBelow: 258))
    let all = pages(size: 4096)
    for round in 0..<3 {
      for (index, page) in all.enumerated().reversed() {
        _ = try roundTrip(deflater, page, "page \(index) round \(round), after others")
        _ = try roundTrip(deflater, page, "page \(index) round \(round), after itself")
      }
    }
  }

  /// Frequencies whose unlimited code would pass 15 bits (a Fibonacci sequence) get a
  /// complete code within the limit.
  func testLengthLimitKeepsTheCodeComplete() {
    var frequencies = [UInt32](repeating: 0, count: 30)
    var (a, b): (UInt32, UInt32) = (1, 1)
    for symbol in 0..<25 {
      frequencies[symbol] = a
      (a, b) = (b, a + b)
    }
    let code = HuffmanCode(symbols: 30)
    var scratch = HuffmanScratch(capacity: 64)
    defer {
      scratch.deallocate()
      code.deallocate()
    }
    for limit in [7, 15] {
      frequencies.withUnsafeBufferPointer {
        code.build(frequencies: $0.baseAddress!, limit: limit, scratch: &scratch)
      }
      let lengths = Array(UnsafeBufferPointer(start: code.lengths, count: 30))
      XCTAssertEqual(Int(lengths.max()!), limit)
      let kraft = lengths.filter { $0 > 0 }.reduce(0.0) { $0 + 1.0 / Double(1 << Int($1)) }
      XCTAssertEqual(kraft, 1.0, "limit \(limit)")
      XCTAssertEqual(lengths.filter { $0 > 0 }.count, 25)
    }
  }
}
