import Bytes

/// One kernel structure read at a kernel address, its fields found by the names
/// VMCOREINFO exports (`SIZE(name)`, `OFFSET(name.field)`), so code reads
/// `task.u32("pid")` rather than hard-coded offsets. Errors name the structure, the
/// field and the address.
public struct KernelStruct: Sendable {
  public let name: String
  public let address: UInt64
  public let bytes: [UInt8]
  let vmcoreInfo: VmcoreInfo

  /// Reads `SIZE(name)` bytes at `address`.
  public init(
    _ name: String, at address: UInt64, in memory: any KernelMemoryReader, vmcoreInfo: VmcoreInfo
  )
    throws
  {
    self.name = name
    self.address = address
    self.vmcoreInfo = vmcoreInfo
    bytes = try memory.read(address, count: try vmcoreInfo.requireSize(name))
  }

  /// The offset of a field, from `OFFSET(name.field)`.
  public func offset(of field: String) throws -> Int {
    try vmcoreInfo.requireOffset("\(name).\(field)")
  }

  public func u8(_ field: String) throws -> UInt8 { try value(field, UInt8.self) }
  public func u16(_ field: String) throws -> UInt16 { try value(field, UInt16.self) }
  public func u32(_ field: String) throws -> UInt32 { try value(field, UInt32.self) }
  public func u64(_ field: String) throws -> UInt64 { try value(field, UInt64.self) }

  /// A fixed-size character array field (`char comm[16]`), up to its first NUL.
  public func string(_ field: String, length: Int) throws -> String {
    let start = try offset(of: field)
    guard start + length <= bytes.count else { throw outside(field) }
    return String(decoding: bytes.cString(start, maxLength: length), as: UTF8.self)
  }

  private func value<T: FixedWidthInteger>(_ field: String, _ type: T.Type) throws -> T {
    guard let value = bytes.le(T.self, at: try offset(of: field)) else { throw outside(field) }
    return value
  }

  private func outside(_ field: String) -> DumpError {
    .corruptKernelData(
      structure: name, address: address, reason: "field \(field) lies outside its \(bytes.count) bytes")
  }
}
