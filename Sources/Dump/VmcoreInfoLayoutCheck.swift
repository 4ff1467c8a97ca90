/// A check of the struct layouts VMCOREINFO states before a reader trusts them: the
/// kernel writes them from the compiler's own `sizeof` and `offsetof`
/// (kernel/vmcore_info.c, `VMCOREINFO_SIZE`/`VMCOREINFO_OFFSET`), so a struct of size
/// zero or a field that does not fit in its struct is damage, and reading with it
/// would return garbage records instead of an error.
extension VmcoreInfo {
  /// Throws `impossibleVmcoreInfo` unless every struct named has a non-zero size and
  /// every `struct.field` of `fields` (with the bytes the reader takes from it) fits
  /// in its struct. Fields of structs whose size is not exported are not checked.
  public func checkLayout(structs: [String], fields: [(name: String, width: Int)]) throws {
    for name in structs {
      if let size = size(name), size == 0 {
        throw DumpError.impossibleVmcoreInfo(key: "SIZE(\(name))", reason: "a struct of size 0")
      }
    }
    for field in fields {
      let structure = String(field.name.prefix { $0 != "." })
      guard let size = size(structure), let offset = offset(field.name) else { continue }
      guard offset < size, UInt64(field.width) <= size - offset else {
        throw DumpError.impossibleVmcoreInfo(
          key: "OFFSET(\(field.name))",
          reason: "\(offset) + \(field.width) bytes passes the end of SIZE(\(structure))=\(size)")
      }
    }
  }
}

extension PrintkRingBuffer.Layout {
  /// The structs and fields of kernel/printk/printk_ringbuffer.h the walk reads.
  static func check(_ info: VmcoreInfo) throws {
    try info.checkLayout(
      structs: ["printk_ringbuffer", "prb_desc", "printk_info"],
      fields: [
        ("prb_desc.state_var", 8), ("prb_desc.text_blk_lpos", 16), ("printk_info.seq", 8),
        ("printk_info.ts_nsec", 8), ("printk_info.text_len", 4), ("printk_info.caller_id", 4),
        ("printk_info.dev_info", 1),
      ])
  }
}

extension PrintkLogBuffer.Layout {
  /// `struct printk_log` (`struct log` before 3.11) of kernel/printk/printk.c.
  static func check(_ info: VmcoreInfo, name: String) throws {
    try info.checkLayout(
      structs: [name],
      fields: [("\(name).ts_nsec", 8), ("\(name).len", 2), ("\(name).text_len", 2), ("\(name).dict_len", 2)])
  }
}
