import Dump

/// vmlinux's BTF read out of a dump: the bytes between the linker symbols
/// `__start_BTF` and `__stop_BTF` (include/asm-generic/vmlinux.lds.h), which kallsyms
/// lists when CONFIG_KALLSYMS_ALL is set, as every distribution kernel sets it.
public enum DumpBtf {
  /// vmlinux BTF is a few megabytes (6.1: about 5 MB); more means the symbols are wrong.
  static let maximumSize: UInt64 = 64 << 20

  public static func read(memory: KernelMemorySource, symbols: SymbolTable) throws -> Btf {
    guard let start = symbols.address(of: "__start_BTF"), let stop = symbols.address(of: "__stop_BTF") else {
      throw SymbolsError(
        .missing, path: "kallsyms",
        expected:
          "__start_BTF and __stop_BTF (a kernel built with CONFIG_DEBUG_INFO_BTF and CONFIG_KALLSYMS_ALL)")
    }
    guard stop > start, stop - start <= maximumSize else {
      throw SymbolsError(
        .malformed, path: "kallsyms", offset: start,
        expected:
          "__stop_BTF above __start_BTF by at most \(maximumSize) bytes, found 0x\(String(stop, radix: 16))")
    }
    let bytes = try memory.read(start, count: Int(stop - start))
    return try Btf(bytes: bytes, name: "vmlinux BTF at 0x\(String(start, radix: 16))")
  }
}
