import Foundation
import XCTest

@testable import Symbols

/// Writes BTF blobs record by record, as include/uapi/linux/btf.h lays them out.
struct BtfWriter {
  var strings: [UInt8] = [0]
  var types: [UInt8] = []
  var count = 0
  /// Where each record starts in `types`, by id - 1.
  var starts: [Int] = []

  mutating func intern(_ text: String) -> UInt32 {
    if text.isEmpty { return 0 }
    let offset = UInt32(strings.count)
    strings += Array(text.utf8) + [0]
    return offset
  }

  mutating func word(_ value: UInt32) { types += withUnsafeBytes(of: value.littleEndian, Array.init) }

  @discardableResult
  mutating func record(
    _ kind: BtfKind, _ name: String, vlen: Int = 0, kindFlag: Bool = false, _ sizeOrType: UInt32,
    trailing: [UInt32] = []
  ) -> Int {
    starts.append(types.count)
    word(intern(name))
    word(UInt32(kind.rawValue) << 24 | UInt32(vlen) | (kindFlag ? 1 << 31 : 0))
    word(sizeOrType)
    for value in trailing { word(value) }
    count += 1
    return count
  }

  func blob() -> [UInt8] {
    var header: [UInt8] = [0x9f, 0xeb, 1, 0]
    for value in [UInt32(24), 0, UInt32(types.count), UInt32(types.count), UInt32(strings.count)] {
      header += withUnsafeBytes(of: value.littleEndian, Array.init)
    }
    return header + types + strings
  }
}

final class BtfTests: XCTestCase {
  /// A miniature task_struct: an anonymous union holding the state, a bitfield, a
  /// comm array behind a typedef and const, a pointer and an enum64.
  func makeBlob() -> [UInt8] {
    var w = BtfWriter()
    let int = w.record(.integer, "int", 4, trailing: [0x0100_0020])  // signed, 32 bits
    let uint = w.record(.integer, "unsigned int", 4, trailing: [32])
    let char = w.record(.integer, "char", 1, trailing: [0x0200_0008])
    let commArray = w.record(.array, "", 0, trailing: [UInt32(char), UInt32(int), 16])
    let constChar = w.record(.const, "", UInt32(commArray))
    let typedef = w.record(.typedef, "comm_t", UInt32(constChar))
    let forward = w.record(.forward, "task_struct", 0)
    _ = forward
    let pointer = w.record(.pointer, "", 0)  // patched below to point at the struct
    // union { unsigned int __state; int other; } at offset 0
    let unionNames = (w.intern("__state"), w.intern("other"))
    let anonymousUnion = w.record(
      .union, "", vlen: 2, 4, trailing: [unionNames.0, UInt32(uint), 0, unionNames.1, UInt32(int), 0])
    let members: [(String, Int, UInt32)] = [
      ("", anonymousUnion, 0),
      ("flag", Int(uint), 3 << 24 | 32),  // bitfield: 3 bits at bit 32
      ("comm", typedef, 64),
      ("parent", pointer, 192),
    ]
    var trailing: [UInt32] = []
    for member in members { trailing += [w.intern(member.0), UInt32(member.1), member.2] }
    let task = w.record(
      .structure, "task_struct", vlen: members.count, kindFlag: true, 32, trailing: trailing)
    // Point `parent` at the struct: the pointer record's third word.
    let pointerWord = w.starts[pointer - 1] + 8
    w.types.replaceSubrange(
      pointerWord..<pointerWord + 4, with: withUnsafeBytes(of: UInt32(task).littleEndian, Array.init))
    let big = (w.intern("BIG"), w.intern("SMALL"))
    w.record(
      .enum64, "wide", vlen: 2, kindFlag: true, 8, trailing: [big.0, 0, 1, big.1, 0xffff_ffff, 0xffff_ffff])
    let loop = w.record(.typedef, "loop", UInt32(w.count + 1))
    _ = loop
    return w.blob()
  }

  func testFieldsThroughAnonymousUnionTypedefsAndBitfields() throws {
    // scripts/fuzz-kernel.sh seeds its corpus with this blob.
    if let directory = ProcessInfo.processInfo.environment["CORONER_WRITE_FUZZ_SEEDS"] {
      try Data(makeBlob()).write(to: URL(fileURLWithPath: directory + "/seed-Btf-1"))
    }
    let btf = try Btf(bytes: makeBlob())
    let task = try btf.structure("task_struct")
    XCTAssertEqual(try btf.kind(of: task), .structure)
    XCTAssertEqual(try btf.size(of: task), 32)
    XCTAssertEqual(try btf.field("task_struct.__state").offset, 0)
    XCTAssertEqual(try btf.field(anyOf: ["task_struct.state", "task_struct.__state"]).offset, 0)
    let flag = try btf.field("task_struct.flag")
    XCTAssertEqual(flag.bitOffset, 32)
    XCTAssertEqual(flag.bitfieldSize, 3)
    let comm = try btf.field("task_struct.comm")
    XCTAssertEqual(comm.offset, 8)
    XCTAssertEqual(try btf.size(of: comm.type), 16)
    XCTAssertEqual(try btf.array(comm.type)?.count, 16)
    XCTAssertEqual(try btf.name(of: try btf.array(comm.type)!.element), "char")
    let parent = try btf.field("task_struct.parent")
    XCTAssertEqual(parent.offset, 24)
    XCTAssertEqual(try btf.pointee(parent.type), task)
    XCTAssertEqual(try btf.members(of: task).map(\.name), ["", "flag", "comm", "parent"])
    XCTAssertEqual(btf.enumValue("BIG"), 1 << 32)
    XCTAssertEqual(btf.enumValue("SMALL"), -1)
    XCTAssertNil(btf.enumValue("NONE"))
    XCTAssertThrowsError(try btf.field("task_struct.missing"))
    XCTAssertThrowsError(try btf.field("nothing.comm"))
  }

  /// Twenty structs, each with four anonymous members of the next, the last with `deep`
  /// at bit 32; a twenty-first whose four anonymous members are itself. Searched path by
  /// path, a missing name would cost 4^20 visits; each struct is searched once.
  func testAnonymousMembersThatRepeatAreSearchedOnce() throws {
    var w = BtfWriter()
    let int = w.record(.integer, "int", 4, trailing: [0x0100_0020])
    let chain = 20
    let deep = w.intern("deep")
    for level in 0..<chain {
      // The next struct's id is the one after this record.
      let next = UInt32(w.count + 2)
      let trailing: [UInt32] =
        level == chain - 1
        ? [deep, UInt32(int), 32] : (0..<4).flatMap { [0, next, UInt32($0 * 8)] }
      w.record(.structure, level == 0 ? "outer" : "", vlen: trailing.count / 3, 8, trailing: trailing)
    }
    let cycle = UInt32(w.count + 1)
    w.record(.structure, "cycle", vlen: 4, 8, trailing: (0..<4).flatMap { [0, cycle, UInt32($0 * 8)] })
    let btf = try Btf(bytes: w.blob())
    let outer = try btf.structure("outer")
    XCTAssertNil(try btf.member("missing", in: outer))
    XCTAssertEqual(try btf.member("deep", in: outer)?.bitOffset, 32)
    XCTAssertEqual(try btf.field("outer.deep").offset, 4)
    XCTAssertNil(try btf.member("missing", in: try btf.structure("cycle")))
  }

  func testTypedefLoopAndBadIdsThrow() throws {
    let btf = try Btf(bytes: makeBlob())
    let loop = try XCTUnwrap(btf.find("loop", kinds: [.typedef]))
    XCTAssertThrowsError(try btf.resolve(loop))
    XCTAssertThrowsError(try btf.size(of: loop))
    XCTAssertThrowsError(try btf.type(0))
    XCTAssertThrowsError(try btf.type(btf.count))
  }

  func testDamagedBlobsThrowWithoutTrapping() throws {
    let blob = makeBlob()
    XCTAssertThrowsError(try Btf(bytes: []))
    XCTAssertThrowsError(try Btf(bytes: [0x9e, 0xeb] + blob.dropFirst(2)))
    // Every truncation and every single-byte change either parses or throws.
    for length in stride(from: 0, to: blob.count, by: 3) {
      _ = try? Btf(bytes: Array(blob.prefix(length)))
    }
    for index in 0..<blob.count {
      var damaged = blob
      damaged[index] ^= 0xff
      guard let btf = try? Btf(bytes: damaged) else { continue }
      for id in 1..<btf.count {
        _ = try? btf.size(of: id)
        _ = try? btf.members(of: id)
        _ = try? btf.name(of: id)
      }
      _ = try? btf.field("task_struct.comm")
      _ = btf.enumValue("BIG")
    }
  }
}
