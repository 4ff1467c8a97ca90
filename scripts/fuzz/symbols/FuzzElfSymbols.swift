// libFuzzer target: any bytes as an ELF object (vmlinux, a module, a .debug file): its
// sections, build id, symbol table and every lookup symbolize makes, then DWARF lines.
import Bytes

@testable import Symbols

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzElfSymbols(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let file = try? ElfFile(bytes: ByteView(bytes: bytes, name: "fuzz.elf"), path: "fuzz.elf") else {
    return 0
  }
  _ = try? file.buildID()
  _ = file.section(named: ".symtab")
  if let symbols = try? ElfSymbolIndex(file) {
    _ = symbols.symbols(named: "start_kernel")
    _ = symbols.resolve(name: "panic", offset: 0x10, size: nil)
    for address: UInt64 in [0, 0x1000, 0xffff_ffff_8100_0000, UInt64.max] {
      _ = symbols.locate(address)
      _ = symbols.symbolTableEntry(at: address)
    }
  }
  if let dwarf = try? DwarfContext(file) {
    for address: UInt64 in [0, 0x1000, 0xffff_ffff_8100_0000] { _ = try? dwarf.frames(at: address) }
  }
  return 0
}
