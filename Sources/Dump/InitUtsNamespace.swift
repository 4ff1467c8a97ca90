extension Vmcore {
  /// `struct new_utsname` of `init_uts_ns` (include/linux/utsname.h; SYMBOL(init_uts_ns)
  /// + OFFSET(uts_namespace.name)): sysname, nodename, release, version, machine and
  /// domainname, six fields of 65 bytes. What memory does not say comes from
  /// VMCOREINFO (the release) or is the only machine read (x86_64).
  public var utsname: [String] {
    var fields = ["Linux", "", vmcoreInfo?.osRelease ?? "", "", "x86_64", ""]
    if let info = vmcoreInfo, let base = info.symbol("init_uts_ns"), let memory = try? kernelMemory() {
      let start = base &+ (info.offset("uts_namespace.name") ?? 0)
      for index in 0..<6 {
        if let text = try? memory.cString(start &+ UInt64(65 * index), maxLength: 65), !text.isEmpty {
          fields[index] = text
        }
      }
    }
    return fields
  }
}
