// libFuzzer target: the printk readers over hostile kernel memory and hostile
// VMCOREINFO. The input is VMCOREINFO lines (overriding a Linux 6.1 layout, since
// later keys win), a NUL, then a blob mapped at a fixed kernel address whose first
// 88 bytes are the ring buffer struct, so every pointer and position is fuzzed.
import Dump

struct BlobMemory: KernelMemoryReader {
  static let base: UInt64 = 0xFFFF_8880_0000_0000
  let bytes: [UInt8]

  func read(_ virtual: UInt64, count: Int) throws -> [UInt8] {
    guard virtual >= Self.base, count >= 0, virtual - Self.base <= UInt64(bytes.count),
      UInt64(count) <= UInt64(bytes.count) - (virtual - Self.base)
    else { throw DumpError.unmapped(virtual: virtual, level: "blob") }
    let start = Int(virtual - Self.base)
    return Array(bytes[start..<start + count])
  }
}

let layoutText = """
  SIZE(printk_ringbuffer)=88
  OFFSET(printk_ringbuffer.desc_ring)=0
  OFFSET(printk_ringbuffer.text_data_ring)=48
  OFFSET(prb_desc_ring.count_bits)=0
  OFFSET(prb_desc_ring.descs)=8
  OFFSET(prb_desc_ring.infos)=16
  OFFSET(prb_desc_ring.head_id)=24
  OFFSET(prb_desc_ring.tail_id)=32
  SIZE(prb_desc)=24
  OFFSET(prb_desc.state_var)=0
  OFFSET(prb_desc.text_blk_lpos)=8
  OFFSET(prb_data_blk_lpos.begin)=0
  OFFSET(prb_data_blk_lpos.next)=8
  SIZE(printk_info)=88
  OFFSET(printk_info.seq)=0
  OFFSET(printk_info.ts_nsec)=8
  OFFSET(printk_info.text_len)=16
  OFFSET(printk_info.caller_id)=20
  OFFSET(printk_info.dev_info)=24
  OFFSET(dev_printk_info.subsystem)=0
  OFFSET(dev_printk_info.device)=16
  OFFSET(prb_data_ring.size_bits)=0
  OFFSET(prb_data_ring.data)=8
  SIZE(printk_log)=16
  OFFSET(printk_log.ts_nsec)=0
  OFFSET(printk_log.len)=8
  OFFSET(printk_log.text_len)=10
  OFFSET(printk_log.dict_len)=12
  """
let defaultLayout = VmcoreInfo(text: layoutText)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrintk(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  let split = input.firstIndex(of: 0) ?? -1
  let layoutInfo =
    split >= 0 ? VmcoreInfo(text: Array(layoutText.utf8) + [10] + input[..<split]) : defaultLayout
  let memory = BlobMemory(bytes: Array(input[(split + 1)...]))
  if let layout = try? PrintkRingBuffer.Layout(layoutInfo) {
    _ = try? PrintkRingBuffer(layout: layout, address: BlobMemory.base).records(in: memory)
  }
  if let layout = try? PrintkLogBuffer.Layout(layoutInfo), memory.bytes.count >= 8 {
    let first = UInt32(memory.bytes[0]) | UInt32(memory.bytes[1]) << 8
    let next = UInt32(memory.bytes[2]) | UInt32(memory.bytes[3]) << 8
    let buffer = PrintkLogBuffer(
      layout: layout, buffer: BlobMemory.base, bufferLength: UInt32(memory.bytes.count), firstIndex: first,
      nextIndex: next)
    _ = buffer.records(from: memory.bytes)
  }
  _ = VmcoreInfo(text: memory.bytes)
  return 0
}
