/// Syscall entry wrappers differ by architecture and kernel version
/// (`__x64_sys_futex`, `__arm64_sys_futex`, `SyS_futex`, `__se_sys_futex`): a
/// title names the syscall once, and keeps the wrapped names as alternatives.
enum SyscallNames {
  static let prefixes = [
    "SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "__riscv_", "____sys_", "___sys_", "__sys_",
    "__se_", "__se_sys_", "__do_sys_", "__do_compat_sys_", "compat_SYSC_", "compat_SyS_", "ksys_",
  ]

  /// The name with each single prefix removed, the shortest first, then the name.
  static func variants(of name: String) -> (short: String, all: [String]) {
    var all = [name]
    for prefix in prefixes where name.hasPrefix(prefix) && name.count > prefix.count {
      all.append(String(name.dropFirst(prefix.count)))
    }
    let short = all.min { $0.count < $1.count } ?? name
    return (short, all)
  }
}
