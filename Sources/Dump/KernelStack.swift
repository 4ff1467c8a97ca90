/// A task's kernel stack in the dead kernel's memory, from a saved stack pointer to
/// the end of the stack, read as the words `crash`'s `bt -t` and the kernel's own
/// unwinder (`show_trace_log_lvl()`, arch/x86/kernel/dumpstack.c) walk.
public struct KernelStack: Sendable, Equatable {
  /// x86_64 THREAD_SIZE: 16 KiB with KASAN off (arch/x86/include/asm/page_64_types.h,
  /// `THREAD_SIZE_ORDER` 2). Kernel stacks, IRQ stacks included, are aligned to it,
  /// so a stack ends at the next boundary above its pointer.
  public static let threadSize: UInt64 = 16 << 10

  /// One 8-byte slot of the stack: its offset from the stack pointer and its value.
  public struct Word: Sendable, Equatable {
    public var offset: Int
    public var value: UInt64
  }

  /// The stack pointer the words were read from.
  public let stackPointer: UInt64
  /// The words from the stack pointer up, at most the limit asked for.
  public let words: [Word]

  /// Reads at most `limit` words from `stackPointer` to the end of its stack. A
  /// misaligned pointer or one whose page is not in the dump throws: a stack that
  /// cannot be read is the caller's to report.
  public init(stackPointer: UInt64, memory: any KernelMemoryReader, limit: Int = 256) throws {
    guard stackPointer & 7 == 0 else {
      throw DumpError.corruptKernelData(
        structure: "kernel stack", address: stackPointer, reason: "the stack pointer is not 8-byte aligned")
    }
    self.stackPointer = stackPointer
    let top = (stackPointer | (Self.threadSize - 1)) &+ 1
    guard top > stackPointer, limit > 0 else {
      words = []
      return
    }
    let count = Int(min(top - stackPointer, UInt64(limit) * 8))
    let bytes = try memory.read(stackPointer, count: count)
    words = stride(from: 0, to: bytes.count - 7, by: 8).compactMap { offset in
      bytes.u64(offset).map { Word(offset: offset, value: $0) }
    }
  }
}
