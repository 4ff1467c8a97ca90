import Bytes

/// Reads of the dead kernel's memory by kernel virtual address: bytes, integers,
/// strings and arrays, with errors that name the address.
public protocol KernelMemoryReader: Sendable {
  func read(_ virtual: UInt64, count: Int) throws -> [UInt8]
}

extension KernelMemoryReader {
  public func u8(_ virtual: UInt64) throws -> UInt8 { try read(virtual, count: 1)[0] }
  public func u16(_ virtual: UInt64) throws -> UInt16 { try read(virtual, count: 2).u16(0) ?? 0 }
  public func u32(_ virtual: UInt64) throws -> UInt32 { try read(virtual, count: 4).u32(0) ?? 0 }
  public func u64(_ virtual: UInt64) throws -> UInt64 { try read(virtual, count: 8).u64(0) ?? 0 }

  /// Reads what can be read of a range, page by page: unreadable pages come back as
  /// zeros and are listed (offsets into the result) with the first error met, so a
  /// dump missing some pages still yields the rest.
  public func readAvailable(
    _ virtual: UInt64, count: Int
  ) -> (bytes: [UInt8], missing: [Range<Int>], error: Error?) {
    // Appended page by page rather than zeroed first and overwritten: the printk ring
    // read here is hundreds of KiB that are nearly always all present.
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    var missing: [Range<Int>] = []
    var firstError: Error?
    var done = 0
    while done < count {
      let current = virtual &+ UInt64(done)
      let take = min(count - done, 4096 - Int(current & 0xFFF))
      do {
        bytes += try read(current, count: take)
      } catch {
        bytes.append(contentsOf: repeatElement(0, count: take))
        if firstError == nil { firstError = error }
        if let last = missing.last, last.upperBound == done {
          missing[missing.count - 1] = last.lowerBound..<done + take
        } else {
          missing.append(done..<done + take)
        }
      }
      done += take
    }
    return (bytes, missing, firstError)
  }

  /// A NUL-terminated string of at most `maxLength` bytes, read a page at a time and no
  /// further than its NUL, so a string at the end of a mapping (a module's string table
  /// before a vmalloc guard page) still reads.
  public func cString(_ virtual: UInt64, maxLength: Int = 256) throws -> String {
    var bytes: [UInt8] = []
    var address = virtual
    while bytes.count < maxLength {
      let chunk = min(maxLength - bytes.count, Int(4096 - address % 4096))
      let part = try read(address, count: chunk)
      if let nul = part.firstIndex(of: 0) {
        bytes += part[..<nul]
        return String(decoding: bytes, as: UTF8.self)
      }
      bytes += part
      address &+= UInt64(chunk)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// The kernel's virtual memory over a dump's physical memory, translated by the
/// x86_64 page tables.
public struct KernelMemory: KernelMemoryReader {
  public let physical: any PhysicalMemory
  public let addressSpace: X86_64AddressSpace

  public init(physical: any PhysicalMemory, addressSpace: X86_64AddressSpace) {
    self.physical = physical
    self.addressSpace = addressSpace
  }

  public func translate(_ virtual: UInt64) throws -> UInt64 {
    try addressSpace.translate(virtual, in: physical).physical
  }

  /// Reads `count` bytes, translating once per page and coalescing physically
  /// contiguous runs. A failure names the virtual address that failed.
  public func read(_ virtual: UInt64, count: Int) throws -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(count)
    while result.count < count {
      let current = virtual &+ UInt64(result.count)
      let (physical, run) = try addressSpace.translate(current, in: physical)
      let take = Int(min(UInt64(count - result.count), run))
      do {
        result += try self.physical.readPhysical(physical, count: take)
      } catch let error as DumpError {
        throw KernelMemoryError(virtual: current, physical: physical, underlying: error)
      }
    }
    return result
  }
}

/// A failed read at a kernel virtual address: the address, its translation, and why
/// the physical read failed.
public struct KernelMemoryError: Error, Sendable, Equatable, CustomStringConvertible {
  public var virtual: UInt64
  public var physical: UInt64
  public var underlying: DumpError

  public var description: String {
    "cannot read kernel address \(hex(virtual)) (physical \(hex(physical))): \(underlying)"
  }
}
